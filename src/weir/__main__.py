"""``python -m weir`` runs the CLI."""

from weir.cli.main import main

if __name__ == "__main__":
    main()
