"""A batch run: engines, the run state, the outputs."""
