-- deadline_candidates.sql: the open petitions the deadlines job looks at
-- (Store.RunDeadlines), those due by the reminder horizon (@horizon, the end
-- of the second working day from now).
--
-- The status and due_at conditions repeat the predicate of the partial index
-- idx_petitions_open_due (migration 0020) as literals, so that the planner
-- can prove the index applies: over a million open petitions the job reads
-- only those that are due (BENCHMARKS.md, "Scheduled jobs";
-- TestDeadlinesQueryPlan checks the plan).
SELECT id, code, title, unit_id, status, due_at, due_stage
FROM petitions
WHERE status IN ('received', 'accepted', 'awaiting_info', 'drafted') AND due_at IS NOT NULL
	AND {{time "due_at"}} <= {{time "@horizon"}}
ORDER BY due_at, id
