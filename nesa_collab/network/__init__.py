"""Schools, collaboratives, interests, norms and memberships (N1, N2, K1–K4)."""
