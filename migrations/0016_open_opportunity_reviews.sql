-- An opportunity event asks whether its opportunity has an open review (db/
-- opportunities_store.c, opp_context). No index led from a subject to its reviews, so
-- each event read every open review: 2.3 ms at 30,000 open lead reviews, and more as
-- the review queue grows. The index holds only open reviews of opportunities, so a
-- lead sent to review (about a fifth of the leads) writes no entry to it.
-- Building it reads the whole table (resolved reviews too) and locks it against writes
-- for the time it takes, which holds the lead batches that send a lead to review: on
-- a large table, migrate in a quiet hour, or create it beforehand by hand with CREATE
-- INDEX CONCURRENTLY under this name (the statement below then does nothing).
CREATE INDEX IF NOT EXISTS reviews_open_opportunity ON reviews (subject_id)
    WHERE subject = 'opportunity' AND status = 'open';
