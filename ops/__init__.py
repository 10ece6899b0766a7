"""Operations on a deployed stack: the post-deploy smoke check and the data backfill."""
