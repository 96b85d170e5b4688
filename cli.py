"""Command-line entry point: ``python cli.py ...`` is the installed ``dmflow`` command."""
import sys

from pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
