"""`vdx bench`: what the operator costs at the scale of the whole Danish platform (figures, not tests)."""
