// Package models owns PAKN's entities and the business operations on them.
// Each operation is one transaction that also writes its audit events and its
// outbox rows, so nothing acknowledged to a citizen can be half-done.
//
// The Store's methods are grouped by area, one file prefix per area:
//
//   - intake (intake*.go): SubmitPetition and its one-statement batch writer
//     on PostgreSQL (intake_pg.go, sql/submit.sql), tracking numbers
//     (intake_codes.go), the reference data copy, routing, the clerk's desk
//     and held uploads; tracking.go is the citizen's look-up;
//   - workflow (workflow*.go): the officials' steps on a petition and their
//     rules, the inbox, the citizen's own steps; deadlines*.go and
//     notices.go are the deadline and digest jobs (sql/deadline_*.sql,
//     sql/digest_*.sql);
//   - publication (publication*.go, faq*.go): published answers and FAQ
//     entries, the change feed, the public Q&A reads and the personal-data
//     guard in front of every publication;
//   - configuration (config_*.go): units, areas, categories, routing rules
//     and holidays, deadline policies, procedures, search synonyms and API
//     keys;
//   - accounts and privacy: account*.go, official_account.go, session.go,
//     throttle.go, users.go; privacy.go, erasure.go, resend.go, sealed.go;
//   - delivery: outbox*.go; and stats.go, open311.go, backup.go, seed.go.
//
// Pure logic lives in packages of its own, which models uses and never the
// other way round: workdays (the working-day calendar and deadline
// arithmetic), personaldata (the personal-data detector and redaction) and
// faqfile (the CSV, XLSX and JSON lines files of imports and exports).
package models
