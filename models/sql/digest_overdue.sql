-- digest_overdue.sql: the first twenty overdue petitions of a unit (@unit)
-- that its leaders' digest names, oldest deadline first: clocked (triage or
-- answer, not waiting for the citizen), open and due before @midnight, the
-- start of today in Vietnam. The open-and-due conditions are those of the
-- partial index idx_petitions_open_due (migration 0020).
SELECT code
FROM petitions
WHERE unit_id = @unit AND due_stage IN ('triage', 'answer') AND status <> 'awaiting_info'
	AND status IN ('received', 'accepted', 'awaiting_info', 'drafted') AND due_at IS NOT NULL
	AND {{time "due_at"}} < {{time "@midnight"}}
ORDER BY due_at
LIMIT 20
