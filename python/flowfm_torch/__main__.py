"""``python -m flowfm_torch`` is ``python -m flowfm_torch.train``."""
import sys

from .train import main

sys.exit(main())
