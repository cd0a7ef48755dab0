"""Table definitions as a revision created them, kept out of versions/ (Alembic loads every module
there as a revision). Each module is named after its revision and is frozen with it: a change to a
table is a new revision, never an edit here.
"""
