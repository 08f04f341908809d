"""The compiled part of cleaner: dedup's signing kernel (cleaner/dedup/_fastsign.c).

Everything else is in pyproject.toml. The extension is optional: where it
cannot be built (no C compiler), pip installs cleaner without it and
`cleaner.dedup.kernel` falls back to the same algorithm in Python (slower,
same results).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("cleaner.dedup._fastsign", ["cleaner/dedup/_fastsign.c"],
                             extra_compile_args=["-O3"], optional=True)])
