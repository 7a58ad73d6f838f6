"""Names every part of the model shares: the programmes and the major powers."""

PROGRAMMES = ("artemis", "ilrs", "iss", "tiangong")
#: The major powers: every world has them, and their final state is in every summary row.
MAJORS = ("US", "China", "Russia", "ESA")
#: Positions in PROGRAMMES of the two programmes the model's code names.
ARTEMIS, ILRS = PROGRAMMES.index("artemis"), PROGRAMMES.index("ilrs")
