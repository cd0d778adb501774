"""Coverage: who can reach a CAR T center by road, and where a new center would help most."""
