"""Run state: the ledger of runs, node results and table versions."""

from weir.state.ledger import Ledger, RunRow

__all__ = ["Ledger", "RunRow"]
