"""Command-line front end: flags in, calls into the pipeline, output out. No logic lives here."""
