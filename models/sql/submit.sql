-- submit.sql: a batch of submissions in one statement (models/intake_pg.go,
-- execSubmitBatch), so in one round trip and one transaction: PostgreSQL
-- runs a statement atomically.
--
-- Each array parameter holds one value per submission, or per audit event
-- for $41 to $48 (with the submission's ordinal, $41). A submission is
-- written only if the reference data is still at the stamp it was planned
-- with ($4); it then takes its day's number from the day's sequence ($5, $6)
-- and gets its petition ($7 to $31, and $49, $50: its dossier and procedure
-- codes), its notice ($32 to $40) and its audit events, in order. The
-- statement returns the ordinal, id and code of each submission it wrote.
--
-- The code exists only inside the statement, so what contains it is built
-- here: the code itself, the secret's hash (hashSecret: SHA-256 of
-- "pakn-lookup\0" ($1), the code, and "\0" with the secret's digest, made in
-- Go: the secret itself never reaches the server), the notice's dedupe key
-- ("petition:" ($2), the code, the rest) and its JSON data ("code" is the
-- first key json.Marshal writes: '{"code":"' ($3), the code, the rest).
--
-- Columns a new petition leaves at their zero are written as constants here;
-- newIntakeItem refuses a planned petition that has anything else in them,
-- and TestSubmitStatementWritesWhatTheTransactionWrites compares every
-- column of every row with what submitTx writes.
--
-- Only narrow rows (ordinal, code, id) go through the CTEs; the wide ones are
-- read once from their arrays by the insert that needs them.
WITH k AS (
	SELECT u.ord, 'PAKN-' || u.day || '-' || CASE WHEN x.n < 10000 THEN lpad(x.n::text, 4, '0') ELSE x.n::text END AS code
	FROM unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u (stamp, seq, day, ord)
	CROSS JOIN LATERAL (SELECT nextval(u.seq::regclass) AS n) AS x
	WHERE u.stamp = (SELECT CAST(version AS TEXT) FROM reference_version WHERE id = 1)
), p AS (
	INSERT INTO petitions (code, secret_hash, kind, title, content, category_id, area_id, unit_id, address, lat, long,
		status, channel, language, publish_consent, confidential_identity,
		petitioner_name, petitioner_phone, petitioner_email, petitioner_address, petitioner_organization,
		received_at, due_at, due_stage, transfers, answer, public_question, public_answer, entered_by_id,
		extended_days, info_request, reply_number, dossier_code, procedure_code, created_at, updated_at)
	SELECT k.code, encode(sha256($1::bytea || convert_to(k.code, 'UTF8') || v.hash_tail), 'hex'),
		v.kind, v.title, v.content, v.category_id, v.area_id, v.unit_id, v.address, v.lat, v.long,
		v.status, v.channel, v.language, v.publish_consent, v.confidential_identity,
		v.petitioner_name, v.petitioner_phone, v.petitioner_email, v.petitioner_address, v.petitioner_organization,
		v.received_at, v.due_at, v.due_stage, 0, '', '', '', v.entered_by_id,
		0, '', '', v.dossier_code, v.procedure_code, v.created_at, v.created_at
	FROM k JOIN unnest($7::bytea[],
		$8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::text[], $15::float8[], $16::float8[],
		$17::text[], $18::text[], $19::text[], $20::boolean[], $21::boolean[],
		$22::text[], $23::text[], $24::text[], $25::text[], $26::text[],
		$27::timestamptz[], $28::timestamptz[], $29::text[], $30::bigint[], $31::timestamptz[],
		$49::text[], $50::text[])
	WITH ORDINALITY AS v (hash_tail,
		kind, title, content, category_id, area_id, unit_id, address, lat, long,
		status, channel, language, publish_consent, confidential_identity,
		petitioner_name, petitioner_phone, petitioner_email, petitioner_address, petitioner_organization,
		received_at, due_at, due_stage, entered_by_id, created_at, dossier_code, procedure_code, ord) ON v.ord = k.ord
	RETURNING id, code
), pc AS (
	SELECT k.ord, p.id, p.code FROM p JOIN k ON k.code = p.code
), e AS (
	INSERT INTO events (petition_id, subject, at, actor_id, actor_name, type, from_value, to_value, note, public)
	SELECT pc.id, '', ev.at, ev.actor_id, ev.actor_name, ev.type, '', ev.to_value, ev.note, ev.public
	FROM unnest($41::bigint[], $42::timestamptz[], $43::bigint[], $44::text[], $45::text[], $46::text[], $47::text[], $48::boolean[])
		WITH ORDINALITY AS ev (pord, at, actor_id, actor_name, type, to_value, note, public, i)
	JOIN pc ON pc.ord = ev.pord
	ORDER BY ev.i
), o AS (
	INSERT INTO outbox_messages (dedupe_key, channel, recipient, template, data, petition_id, status,
		next_attempt_at, attempts, last_error, created_at)
	SELECT $2::text || pc.code || m.key_tail, m.channel, m.recipient, m.template, $3::text || pc.code || m.data_tail,
		pc.id, m.status, m.next_attempt_at, 0, '', m.created_at
	FROM pc JOIN unnest($32::boolean[], $33::text[], $34::text[], $35::text[], $36::text[], $37::text[], $38::text[],
		$39::timestamptz[], $40::timestamptz[])
	WITH ORDINALITY AS m (has_notice, key_tail, channel, recipient, template, data_tail, status, next_attempt_at, created_at, ord)
		ON m.ord = pc.ord
	WHERE m.has_notice
	ON CONFLICT (dedupe_key) DO NOTHING
)
SELECT ord, id, code FROM pc
