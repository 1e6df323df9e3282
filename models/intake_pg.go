package models

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// errStaleReference says the reference data copy changed under a
// submission: it was not written, and is planned again on fresh data.
var errStaleReference = errors.New("reference data changed")

// pgErrorCode is the SQLSTATE of a PostgreSQL error, or "".
func pgErrorCode(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

// isMissingCodeSequence tells whether err says the day's sequence does not
// exist yet (undefined_table, raised when the name is resolved).
func isMissingCodeSequence(err error) bool {
	code, _ := pgErrorCode(err)
	return code == "42P01"
}

// isCodeTaken tells whether err is a second petition with the same code:
// only possible while an instance of an earlier version still numbers from
// code_sequences beside this one. The submission takes the next number.
func isCodeTaken(err error) bool {
	code, constraint := pgErrorCode(err)
	return code == "23505" && constraint == "idx_petitions_code"
}

// submitSQL writes a batch of submissions in one statement: the reference
// data check, the day's tracking number, the petitions, their audit events
// and their receipt notices (sql/submit.sql says how; submitArgs builds its
// parameters).
//
//go:embed sql/submit.sql
var submitSQL string

// The parts of a code's notice key and notice data before the code (see
// submitSQL; the secret hash's is hashHead).
const (
	noticeKeyHead  = "petition:"
	noticeDataHead = `{"code":"`
)

// intakeItem is one planned submission waiting for its statement.
type intakeItem struct {
	ctx   context.Context
	stamp string
	day   string
	sub   *plannedSubmission
	// notice is the receipt notice built with an empty code (nil: none).
	notice *OutboxMessage
	// done receives the outcome: nil when committed (the petition has its
	// id and code), errStaleReference when not written because the
	// reference data changed.
	done chan error
}

// newIntakeItem prepares a planned submission for submitSQL.
func newIntakeItem(ctx context.Context, stamp, day string, sub *plannedSubmission) (*intakeItem, error) {
	if !dayRe.MatchString(day) {
		return nil, fmt.Errorf("submit: bad day %q", day)
	}
	if col := unwrittenPetitionColumn(&sub.Petition); col != "" {
		return nil, fmt.Errorf("submit: the petition's %s does not fit the statement", col)
	}
	for _, e := range sub.events {
		if e.Subject != "" || e.FromValue != "" {
			return nil, fmt.Errorf("submit: event %s does not fit the statement", e.Type)
		}
	}
	// The notice with an empty code: its key and data are split around
	// where the code goes.
	notice, err := receivedNotice(&sub.Petition, sub.Unit.Name, sub.due, sub.events[0].At)
	if err != nil {
		return nil, err
	}
	if notice != nil && (!strings.HasPrefix(notice.DedupeKey, noticeKeyHead+":") || !strings.HasPrefix(notice.Data, noticeDataHead+`"`)) {
		return nil, fmt.Errorf("submit: notice key %q or data %.40q not in the expected form", notice.DedupeKey, notice.Data)
	}
	return &intakeItem{ctx: ctx, stamp: stamp, day: day, sub: sub, notice: notice, done: make(chan error, 1)}, nil
}

// unwrittenPetitionColumn names a column that submitSQL writes as a
// constant (or leaves to its default) but that p sets otherwise, or "" when
// p fits the statement. A new petition has none of these, so this only
// guards against a planned petition the statement would write wrongly; the
// test of both ways of writing (intake_pg_test.go) finds any column missing
// from both the statement and this list.
func unwrittenPetitionColumn(p *Petition) string {
	switch {
	case p.ID != 0 || p.Code != "" || p.SecretHash != "":
		return "id, code or secret_hash"
	case p.AssigneeID != nil:
		return "assignee_id"
	case p.AnonymisedAt != nil:
		return "anonymised_at"
	case p.AcceptedAt != nil || p.AnswerDueAt != nil || p.ClosedAt != nil:
		return "accepted_at, answer_due_at or closed_at"
	case p.Transfers != 0 || p.DuplicateOf != nil:
		return "transfers or duplicate_of"
	case p.Answer != "" || p.PublicQuestion != "" || p.PublicAnswer != "" || p.PublicTitle != "":
		return "answer, public_question, public_answer or public_title"
	case p.AnsweredAt != nil || p.PublishedAt != nil:
		return "answered_at or published_at"
	case p.PausedAt != nil || p.ExtendedDays != 0 || p.InfoRequest != "" || p.ReplyNumber != "" || p.ReplyDate != nil:
		return "paused_at, extended_days, info_request, reply_number or reply_date"
	case p.PendingSecretHash != "":
		return "pending_secret_hash"
	case p.Demo:
		return "demo" // only the demo loader sets it, and not through intake
	case !p.UpdatedAt.Equal(p.CreatedAt):
		return "updated_at"
	}
	return ""
}

// submitArgs are submitSQL's parameters for a batch.
func submitArgs(items []*intakeItem) []any {
	n := len(items)
	var (
		stamp, seq, day                                 = make([]string, n), make([]string, n), make([]string, n)
		hashTail                                        = make([][]byte, n)
		kind, title, content, address                   = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		categoryID, unitID                              = make([]int64, n), make([]int64, n)
		areaID, enteredBy                               = make([]*int64, n), make([]*int64, n)
		lat, long                                       = make([]*float64, n), make([]*float64, n)
		status, channel, language, dueStage             = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		publish, confidential                           = make([]bool, n), make([]bool, n)
		pName, pPhone, pEmail, pAddress, pOrg           = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		received, due, created                          = make([]time.Time, n), make([]*time.Time, n), make([]time.Time, n)
		hasNotice                                       = make([]bool, n)
		keyTail, nChannel, nRecipient, nTemplate, dTail = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		nStatus                                         = make([]string, n)
		nNext, nCreated                                 = make([]time.Time, n), make([]time.Time, n)
		dossier, procedure                              = make([]string, n), make([]string, n)

		pord, evActorID = make([]int64, 0, 3*n), make([]*int64, 0, 3*n)
		evAt            = make([]time.Time, 0, 3*n)
		evName, evType  = make([]string, 0, 3*n), make([]string, 0, 3*n)
		evTo, evNote    = make([]string, 0, 3*n), make([]string, 0, 3*n)
		evPublic        = make([]bool, 0, 3*n)
	)
	for i, it := range items {
		p := &it.sub.Petition
		stamp[i], seq[i], day[i] = it.stamp, codeSequenceName(it.day), it.day
		hashTail[i] = append([]byte{0}, secretDigest(it.day, it.sub.Secret)...)
		kind[i], title[i], content[i], address[i] = p.Kind, p.Title, p.Content, p.Address
		categoryID[i], areaID[i], unitID[i], lat[i], long[i] = p.CategoryID, p.AreaID, p.UnitID, p.Lat, p.Long
		status[i], channel[i], language[i] = p.Status, p.Channel, p.Language
		publish[i], confidential[i] = p.PublishConsent, p.ConfidentialIdentity
		pName[i], pPhone[i], pEmail[i], pAddress[i], pOrg[i] = p.PetitionerName, p.PetitionerPhone, p.PetitionerEmail, p.PetitionerAddress, p.PetitionerOrganization
		received[i], due[i], dueStage[i], enteredBy[i], created[i] = p.ReceivedAt, p.DueAt, p.DueStage, p.EnteredByID, p.CreatedAt
		dossier[i], procedure[i] = p.DossierCode, p.ProcedureCode
		if m := it.notice; m != nil {
			hasNotice[i] = true
			keyTail[i] = strings.TrimPrefix(m.DedupeKey, noticeKeyHead)
			dTail[i] = strings.TrimPrefix(m.Data, noticeDataHead)
			nChannel[i], nRecipient[i], nTemplate[i], nStatus[i] = m.Channel, m.Recipient, m.Template, m.Status
			nNext[i], nCreated[i] = m.NextAttemptAt, m.CreatedAt
		}
		for _, e := range it.sub.events {
			pord = append(pord, int64(i+1))
			evAt = append(evAt, e.At)
			evActorID = append(evActorID, e.ActorID)
			evName, evType = append(evName, e.ActorName), append(evType, e.Type)
			evTo, evNote = append(evTo, e.ToValue), append(evNote, e.Note)
			evPublic = append(evPublic, e.Public)
		}
	}
	return []any{
		[]byte(hashHead), noticeKeyHead, noticeDataHead,
		stamp, seq, day, hashTail,
		kind, title, content, categoryID, areaID, unitID, address, lat, long,
		status, channel, language, publish, confidential,
		pName, pPhone, pEmail, pAddress, pOrg,
		received, due, dueStage, enteredBy, created,
		hasNotice, keyTail, nChannel, nRecipient, nTemplate, dTail, nStatus, nNext, nCreated,
		pord, evAt, evActorID, evName, evType, evTo, evNote, evPublic,
		dossier, procedure,
	}
}

// execSubmitBatch runs submitSQL for items and gives each written one its
// id, code and secret hash; it reports which were written.
func (s *Store) execSubmitBatch(ctx context.Context, items []*intakeItem) ([]bool, error) {
	written := make([]bool, len(items))
	args := submitArgs(items)
	err := s.withPgx(ctx, func(c *pgx.Conn) error {
		// The generic plan from the first call: planning this statement
		// costs about as much as running it for a few petitions, and
		// whether PostgreSQL keeps planning custom plans (whose row
		// estimates follow the array lengths) would depend on the cost
		// of the connection's first five calls. (Measured: with small
		// first batches it settles on the generic plan by itself.)
		// set_config(…, true) lasts until the end of the implicit
		// transaction, which the pipelined batch shares with the
		// statement.
		b := &pgx.Batch{}
		b.Queue(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`)
		b.Queue(submitSQL, args...)
		br := c.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return err
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				ord, id int64
				code    string
			)
			if err := rows.Scan(&ord, &id, &code); err != nil {
				return err
			}
			if ord < 1 || int(ord) > len(items) {
				return fmt.Errorf("submit: statement returned ordinal %d of %d", ord, len(items))
			}
			p := &items[ord-1].sub.Petition
			p.ID, p.Code = id, code
			written[ord-1] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return br.Close()
	})
	if err != nil {
		return nil, err
	}
	n := int64(0)
	for i, it := range items {
		if written[i] {
			p := &it.sub.Petition
			p.SecretHash = hashSecret(p.Code, it.sub.Secret)
			n++
		}
	}
	s.intake.statements.Add(1)
	s.intake.written.Add(n)
	return written, nil
}

// writeSubmissions writes a batch and reports each item's outcome on its
// done channel. A day without its sequence yet gets one; a batch that fails
// for another reason is written again one submission at a time, so that
// one bad submission fails alone.
func (s *Store) writeSubmissions(ctx context.Context, items []*intakeItem) {
	live := items[:0:0]
	for _, it := range items {
		if err := it.ctx.Err(); err != nil {
			it.done <- err
			continue
		}
		live = append(live, it)
	}
	if len(live) == 0 {
		return
	}
	written, err := s.execSubmitRetrying(ctx, live)
	if err != nil && len(live) > 1 {
		for _, it := range live {
			s.writeSubmissions(ctx, []*intakeItem{it})
		}
		return
	}
	for i, it := range live {
		switch {
		case err != nil:
			it.done <- err
		case written[i]:
			it.done <- nil
		default:
			it.done <- errStaleReference
		}
	}
}

// execSubmitRetrying is execSubmitBatch, creating missing day sequences
// and taking new numbers when a code was already taken.
func (s *Store) execSubmitRetrying(ctx context.Context, items []*intakeItem) ([]bool, error) {
	for attempt := 0; ; attempt++ {
		written, err := s.execSubmitBatch(ctx, items)
		switch {
		case attempt < 3 && isMissingCodeSequence(err):
			days := map[string]bool{}
			for _, it := range items {
				if !days[it.day] {
					days[it.day] = true
					if err := s.ensureCodeSequence(ctx, it.day); err != nil {
						return nil, err
					}
				}
			}
			continue
		case attempt < 3 && isCodeTaken(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("write %d submissions: %w", len(items), err)
		}
		return written, nil
	}
}

// Group commit. Submissions on PostgreSQL are written by intakeWriters
// goroutines; each takes every submission waiting (up to intakeMaxBatch)
// into one statement. When the database keeps up, a submission is written
// at once, alone; under load, those that arrive while the writers are busy
// share the next statement and its commit. A statement costs PostgreSQL
// about 0.4 ms plus 0.1 ms per petition (measured on the 2-core benchmark
// machine), so sharing matters: with 32 clients posting, a statement
// carries about 16 petitions with one writer, 9 with two, 5 with four.
// One writer spends the least CPU per petition, but it waits idle for each
// commit's flush; two overlap one statement's flush with the other's work
// and gave the higher throughput in alternating runs, for about a fifth
// more PostgreSQL CPU per petition. The batch grows with the load, up to
// intakeMaxBatch. Every submission still returns only after the commit
// that contains it.
const (
	intakeWriters  = 2
	intakeMaxBatch = 64
	// intakeTimeout bounds one batch's statement.
	intakeTimeout = 30 * time.Second
)

// intakeQueue feeds the writers; it is started on first use and stopped by
// Store.Close.
type intakeQueue struct {
	// statements and written count the batches and the petitions they
	// wrote (IntakeBatches).
	statements, written atomic.Int64

	once  sync.Once
	items chan *intakeItem
	quit  chan struct{}
	// stopped is closed when every writer has ended.
	stopped chan struct{}
	wg      sync.WaitGroup
}

func (s *Store) startIntakeWriters() {
	q := &s.intake
	q.items = make(chan *intakeItem, 4*intakeMaxBatch)
	q.quit = make(chan struct{})
	q.stopped = make(chan struct{})
	for range intakeWriters {
		q.wg.Add(1)
		go func() {
			defer q.wg.Done()
			for {
				var first *intakeItem
				select {
				case first = <-q.items:
				case <-q.quit:
					// Whatever is still queued is refused.
					for {
						select {
						case it := <-q.items:
							it.done <- errStoreClosed
						default:
							return
						}
					}
				}
				batch := []*intakeItem{first}
			fill:
				for len(batch) < intakeMaxBatch {
					select {
					case it := <-q.items:
						batch = append(batch, it)
					default:
						break fill
					}
				}
				ctx, cancel := context.WithTimeout(context.Background(), intakeTimeout)
				s.writeSubmissions(ctx, batch)
				cancel()
			}
		}()
	}
}

// IntakeBatches reports how many statements have written submissions on
// PostgreSQL and how many petitions they wrote: the ratio is the average
// batch (pakn_intake_statements_total, pakn_intake_petitions_total).
func (s *Store) IntakeBatches() (statements, petitions int64) {
	return s.intake.statements.Load(), s.intake.written.Load()
}

// errStoreClosed answers submissions to a closed store.
var errStoreClosed = fmt.Errorf("submit: %w: the store is closed", ErrUnavailable)

// stopIntakeWriters ends the writers after their current batch
// (Store.Close).
func (s *Store) stopIntakeWriters() {
	q := &s.intake
	q.once.Do(func() {}) // a store that never wrote starts none
	if q.quit != nil {
		close(q.quit)
		q.wg.Wait()
		close(q.stopped)
	}
}

// submitQueued hands a planned submission to the writers and waits for its
// commit. A caller that gives up (ctx) gets ctx's error: its petition may
// still be committed, but nobody was told its code.
func (s *Store) submitQueued(ctx context.Context, it *intakeItem) error {
	q := &s.intake
	q.once.Do(s.startIntakeWriters)
	if q.quit == nil {
		return errStoreClosed
	}
	select {
	case <-q.quit:
		return errStoreClosed
	default:
	}
	select {
	case q.items <- it:
	case <-ctx.Done():
		return ctx.Err()
	case <-q.quit:
		return errStoreClosed
	}
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-q.stopped:
		// Queued after the writers had drained the queue.
		select {
		case err := <-it.done:
			return err
		default:
			return errStoreClosed
		}
	}
}

// withPgx runs fn on a pgx connection of the pool: pgx caches the prepared
// statement of each SQL text per connection.
func (s *Store) withPgx(ctx context.Context, fn func(*pgx.Conn) error) error {
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		return fn(c.Conn())
	})
}
