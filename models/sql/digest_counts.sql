-- digest_counts.sql: a unit's line of the leaders' daily digest
-- (Store.GenerateDigests): its open petitions, how many of them are overdue
-- (due before @midnight, the start of today in Vietnam) and how many are due
-- soon (from today to @horizon, the end of the second working day from now).
-- A petition waiting for the citizen's information is open but its clock is
-- paused, so it is neither overdue nor due soon.
SELECT unit_id, count(*) AS open,
	sum(CASE WHEN due_stage IN ('triage', 'answer') AND status <> 'awaiting_info'
		AND {{time "due_at"}} < {{time "@midnight"}} THEN 1 ELSE 0 END) AS overdue,
	sum(CASE WHEN due_stage IN ('triage', 'answer') AND status <> 'awaiting_info'
		AND {{time "due_at"}} >= {{time "@midnight"}} AND {{time "due_at"}} <= {{time "@horizon"}} THEN 1 ELSE 0 END) AS due_soon
FROM petitions
WHERE status IN ('received', 'accepted', 'awaiting_info', 'drafted')
GROUP BY unit_id
