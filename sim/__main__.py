"""``python -m sim [key=value ...]`` — see :mod:`sim.cli.command`."""

from sim.cli.command import main

if __name__ == "__main__":
    main()
