"""Language: the language guess, dates and bylines, the unspaced-script rule."""
