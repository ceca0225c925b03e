"""Query side of Placeringssök: caseworker criteria in, privacy-shaped search results out."""
