package models

import (
	"cmp"
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"pakn/models/workdays"
)

// The demo petitions (issue 20): a province in use for a year. The loader
// plays a year of work through the real business operations — submission,
// routing, transfer, acceptance, requests for information, extensions,
// drafts, approval, publication (through the publication guard), ratings
// and the daily deadlines job — each at its own past moment, on a copy of
// the store whose clock the loader moves. So the audit trail, the outbox,
// the deadlines and the statistics are those the operations wrote, dated
// relative to the day of loading.
//
// Demo petitions carry petitions.demo: officials see a badge, their answers
// are never queued for the national portal, and their lookup secrets are
// derived from the instance secret (DemoSecret) so that start-up can print
// a few for a newcomer to follow; they open only on a server in demo mode.

// DemoLoad reports what SeedDemoPetitions did.
type DemoLoad struct {
	// Petitions is how many demo petitions it loaded (0: already there).
	Petitions int
	Took      time.Duration
}

// DemoCitizen is a demo petition a newcomer can follow as its citizen.
type DemoCitizen struct {
	Code, Secret, Status, Title string
}

// demoSeed keeps the demo data set the same from one load to the next.
const demoSeed = 20_2026

// demoCitizenKey derives the key of the demo petitions' secrets from the
// instance secret: whoever does not hold it cannot compute them.
func demoCitizenKey(secret []byte) ([]byte, error) {
	if len(secret) < 16 {
		return nil, errors.New("demo secrets: the instance secret is too short")
	}
	return hkdf.Key(sha256.New, secret, []byte("pakn"), "pakn demo citizen secret v1", 32)
}

// DemoSecret is the lookup secret of the demo petition code on the
// instance whose secret is secret. Only demo petitions get such a secret
// (every other one is random, NewLookupSecret).
func DemoSecret(secret []byte, code string) (string, error) {
	key, err := demoCitizenKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(code))
	sum := m.Sum(nil)
	out := make([]byte, 0, 14)
	for i, x := range sum[:12] {
		if i == 4 || i == 8 {
			out = append(out, '-')
		}
		out = append(out, crockford[int(x)%32])
	}
	return string(out), nil
}

// secretMatch checks a typed secret against a petition's hashes; a demo
// petition opens only on a server in demo mode.
func (s *Store) secretMatch(p *Petition, secret string) (ok, pending bool) {
	ok, pending = secretMatch(p, secret)
	if p.Demo && !s.DemoMode {
		return false, false
	}
	return ok, pending
}

// HasDemoPetitions tells whether the demo petitions are loaded.
func (s *Store) HasDemoPetitions(ctx context.Context) (bool, error) {
	var n int64
	if err := s.DB.WithContext(ctx).Model(&Petition{}).Where("demo = ?", true).Limit(1).Count(&n).Error; err != nil {
		return false, fmt.Errorf("demo petitions: %w", err)
	}
	return n > 0, nil
}

// DemoCitizens picks demo petitions worth following as their citizen: one
// waiting for the citizen's information, one answered and not yet rated,
// one in progress and one published, with their secrets on this instance.
func (s *Store) DemoCitizens(ctx context.Context, secret []byte) ([]DemoCitizen, error) {
	db := s.DB.WithContext(ctx)
	var out []DemoCitizen
	pick := func(q *gorm.DB) error {
		var p Petition
		err := q.Select("id, code, status, title").Order("received_at DESC, id DESC").Limit(1).Find(&p).Error
		if err != nil || p.ID == 0 {
			return err
		}
		sec, err := DemoSecret(secret, p.Code)
		if err != nil {
			return err
		}
		out = append(out, DemoCitizen{Code: p.Code, Secret: sec, Status: p.Status, Title: p.Title})
		return nil
	}
	demo := func() *gorm.DB {
		return db.Model(&Petition{}).Where("demo = ? AND confidential_identity = ?", true, false)
	}
	queries := []*gorm.DB{
		demo().Where("status = ?", StatusAwaitingInfo),
		demo().Where("status IN ? AND id NOT IN (SELECT petition_id FROM petition_ratings)", []string{StatusAnswered, StatusPublished}),
		demo().Where("status = ? AND extended_days = 0", StatusAccepted),
		demo().Where("status = ? AND id IN (SELECT petition_id FROM petition_ratings)", StatusPublished),
	}
	for _, q := range queries {
		if err := pick(q); err != nil {
			return nil, fmt.Errorf("demo citizens: %w", err)
		}
	}
	return out, nil
}

// SeedDemoPetitions loads the demo petitions over the demo reference data
// (SeedDemo first). It does nothing when demo petitions exist: running it
// twice adds nothing. secret is the instance secret (PAKN_SECRET).
func (s *Store) SeedDemoPetitions(ctx context.Context, secret []byte) (DemoLoad, error) {
	start := time.Now()
	var load DemoLoad
	if _, err := demoCitizenKey(secret); err != nil {
		return load, err
	}
	has, err := s.HasDemoPetitions(ctx)
	if err != nil || has {
		return load, err
	}
	l, err := s.newDemoLoader(ctx, secret)
	if err != nil {
		return load, fmt.Errorf("demo petitions: %w", err)
	}
	defer l.close()
	l.plan()
	if err := l.run(ctx); err != nil {
		return load, fmt.Errorf("demo petitions: %w", err)
	}
	for _, p := range l.petitions {
		if p.code != "" {
			load.Petitions++
		}
	}
	load.Took = time.Since(start)
	return load, nil
}

// demoLoader plays the demo year.
type demoLoader struct {
	secret []byte
	// parent is the store's database (the loader may have its own).
	parent *gorm.DB
	// st is a copy of the store on the loader's clock (now), in demo mode.
	st  *Store
	now time.Time
	// today is the moment of loading: nothing is dated after it.
	today time.Time
	cal   *workdays.Calendar
	rng   *rand.Rand

	units     map[string]Unit
	cats      map[string]seedCategory
	areas     []seedUnit // districts with their area names
	staff     map[string]demoStaff
	coord     Viewer
	clerk     Viewer
	petitions []*demoPetition
	steps     []demoStep
	scenarios []demoScenario
	order     []int // the scenarios still to use in this round
}

// demoStaff are the officer and the leader acting for a unit: the demo
// officials where they exist, otherwise a name with no account.
type demoStaff struct{ officer, leader Viewer }

// demoPetition is one petition of the plan and what its submission gave.
type demoPetition struct {
	in       SubmitInput
	sc       *demoScenario
	place    demoPlace
	code     string
	secret   string
	unitCode string // where it is now (transfers move it)
	final    string // the unit that answers it
}

// demoStep is one action at one moment.
type demoStep struct {
	at  time.Time
	seq int
	p   *demoPetition
	do  func(ctx context.Context, l *demoLoader, p *demoPetition) error
}

func (s *Store) newDemoLoader(ctx context.Context, secret []byte) (_ *demoLoader, err error) {
	l := &demoLoader{secret: secret, parent: s.DB, today: s.now(), rng: rand.New(rand.NewPCG(demoSeed, 7))}
	l.now = l.today
	l.scenarios = demoScenarios()
	l.st = &Store{DB: s.DB, Dialect: s.Dialect, Now: func() time.Time { return l.now }, Log: s.Log,
		Delivery: s.Delivery, DeskMaxAgeDays: s.DeskMaxAgeDays, DemoMode: true}
	if s.Dialect == Postgres {
		db, err := asyncCommitPool(s.DB)
		if err != nil {
			return nil, err
		}
		l.st.DB = db
		defer func() {
			if err != nil {
				l.close()
			}
		}()
	}
	cal, err := l.st.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	l.cal = cal
	var units []Unit
	if err := s.DB.WithContext(ctx).Find(&units).Error; err != nil {
		return nil, err
	}
	l.units = map[string]Unit{}
	for _, u := range units {
		l.units[u.Code] = u
	}
	var file seedUnitFile
	if err := json.Unmarshal(seedUnits, &file); err != nil {
		return nil, err
	}
	l.areas = file.Districts
	var cats []seedCategory
	if err := json.Unmarshal(seedCategories, &cats); err != nil {
		return nil, err
	}
	l.cats = map[string]seedCategory{}
	for _, c := range cats {
		l.cats[c.Code] = c
	}
	for _, code := range []string{"TTPVHCC", "STNMT", "BEN-LUC"} {
		if _, ok := l.units[code]; !ok {
			return nil, fmt.Errorf("unit %s is missing: load the demo reference data first (SeedDemo)", code)
		}
	}
	var users []User
	if err := s.DB.WithContext(ctx).Where("demo = ? AND active = ?", true, true).Find(&users).Error; err != nil {
		return nil, err
	}
	l.staff = map[string]demoStaff{}
	unitCode := map[int64]string{}
	for _, u := range units {
		unitCode[u.ID] = u.Code
	}
	for _, u := range users {
		v := ViewerOf(&u)
		switch u.Role {
		case RoleCoordinator:
			l.coord = v
		case RoleClerk:
			l.clerk = v
		case RoleOfficer, RoleLeader:
			if u.UnitID == nil {
				continue
			}
			st := l.staff[unitCode[*u.UnitID]]
			if u.Role == RoleOfficer {
				st.officer = v
			} else {
				st.leader = v
			}
			l.staff[unitCode[*u.UnitID]] = st
		}
	}
	if l.coord.ID == 0 || l.clerk.ID == 0 {
		return nil, errors.New("the demo coordinator and clerk are missing: load the demo reference data first (SeedDemo)")
	}
	return l, nil
}

// asyncCommitPool opens a few connections of their own to db's PostgreSQL
// database that do not wait for each commit to reach the disk: the demo's
// two thousand small transactions load in a third of the time, and a crash
// can lose at most the last moments of demo data. The server's own pool is
// untouched.
func asyncCommitPool(db *gorm.DB) (*gorm.DB, error) {
	d, ok := db.Dialector.(*postgres.Dialector)
	if !ok {
		return nil, fmt.Errorf("demo loader: dialector %T is not PostgreSQL's", db.Dialector)
	}
	dsn := d.Config.DSN
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	out, err := gorm.Open(postgres.Open(dsn+sep+"synchronous_commit=off"), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("demo loader: open: %w", err)
	}
	sqlDB, err := out.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(4)
	return out, nil
}

// close ends the loader's intake writers and its own connections.
func (l *demoLoader) close() {
	if l.st.DB != l.parent {
		_ = l.st.Close()
		return
	}
	l.st.stopIntakeWriters()
}

// staffOf returns who acts for a unit.
func (l *demoLoader) staffOf(code string) demoStaff {
	if st, ok := l.staff[code]; ok && st.officer.ID != 0 && st.leader.ID != 0 {
		return st
	}
	u := l.units[code]
	id := u.ID
	return demoStaff{
		officer: Viewer{Role: RoleOfficer, UnitID: &id, Name: "Chuyên viên " + u.Name},
		leader:  Viewer{Role: RoleLeader, UnitID: &id, Name: "Lãnh đạo " + u.Name},
	}
}

// at returns the moment hour:minute (Vietnam) of the working day n working
// days after t's day (n = 0: t's own day, never before t).
func (l *demoLoader) at(t time.Time, n int, hour, minute int) time.Time {
	day := t
	if n > 0 {
		day = l.cal.AddWorkingDays(t, n)
	}
	y, m, d := day.In(workdays.VietnamLocation()).Date()
	out := time.Date(y, m, d, hour, minute, 0, 0, workdays.VietnamLocation())
	if !out.After(t) {
		out = t.Add(time.Duration(20+l.rng.IntN(90)) * time.Minute)
	}
	return out.UTC()
}

// officeHour is a random moment of office hours.
func (l *demoLoader) officeHour() (int, int) {
	h := 7 + l.rng.IntN(10)
	if h == 11 || h == 12 {
		h = 14 // lunch
	}
	return h, l.rng.IntN(60)
}

// later is the working day n days after t at an office hour.
func (l *demoLoader) later(t time.Time, n int) time.Time {
	h, m := l.officeHour()
	return l.at(t, n, h, m)
}

// workingDaysBack is the working day n working days before t's day.
func (l *demoLoader) workingDaysBack(t time.Time, n int) time.Time {
	d := workdays.VietnamMidnight(t)
	for n > 0 {
		d = d.AddDate(0, 0, -1)
		if l.cal.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

func (l *demoLoader) add(at time.Time, p *demoPetition, do func(ctx context.Context, l *demoLoader, p *demoPetition) error) time.Time {
	l.steps = append(l.steps, demoStep{at: at, seq: len(l.steps), p: p, do: do})
	return at
}

// run plays the steps in time order, up to the moment of loading, with the
// deadlines job every working morning, then files the past notices as sent.
func (l *demoLoader) run(ctx context.Context) error {
	first := l.today
	for _, s := range l.steps {
		first = minTime(first, s.at)
	}
	for d := workdays.VietnamMidnight(first); d.Before(l.today); d = d.AddDate(0, 0, 1) {
		if !l.cal.IsWorkingDay(d) {
			continue
		}
		at := d.Add(7*time.Hour + 30*time.Minute)
		if at.After(l.today) {
			break
		}
		l.add(at.UTC(), nil, func(ctx context.Context, l *demoLoader, _ *demoPetition) error {
			_, err := l.st.RunDeadlines(ctx, l.now)
			return err
		})
	}
	slices.SortFunc(l.steps, func(a, b demoStep) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq))
	})
	for _, s := range l.steps {
		if !s.at.Before(l.today) {
			break
		}
		l.now = s.at
		if err := s.do(ctx, l, s.p); err != nil {
			code := ""
			if s.p != nil {
				code = s.p.code
			}
			return fmt.Errorf("at %s (%s): %w", s.at.In(workdays.VietnamLocation()).Format(time.RFC3339), code, err)
		}
	}
	l.now = l.today
	return l.fileNotices(ctx)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// fileNotices marks the demo's past notices to citizens and officials as
// sent at the moment they fell due: the demo pretends they went out, and
// nothing is ever sent to a demo address.
func (l *demoLoader) fileNotices(ctx context.Context) error {
	res := l.st.DB.WithContext(ctx).Exec(`UPDATE outbox_messages SET status = ?, sent_at = next_attempt_at, attempts = 1
		WHERE status = ? AND channel IN ? AND petition_id IN (SELECT id FROM petitions WHERE demo = ?)`,
		OutboxSent, OutboxPending, []string{OutboxEmail, OutboxSMS}, true)
	if res.Error != nil {
		return fmt.Errorf("file demo notices: %w", res.Error)
	}
	return nil
}

// submit files the petition through the channel's ordinary intake, marks
// it as demo data and gives it its derived secret.
func demoSubmit(ctx context.Context, l *demoLoader, p *demoPetition) error {
	in := p.in
	in.ReceivedAt = time.Time{} // received now, on the loader's clock
	sub, err := l.st.SubmitPetition(ctx, in)
	if err != nil {
		return fmt.Errorf("submit %q: %w", in.Title, err)
	}
	p.code = sub.Petition.Code
	p.unitCode = sub.Unit.Code
	p.secret, err = DemoSecret(l.secret, p.code)
	if err != nil {
		return err
	}
	err = l.st.DB.WithContext(ctx).Model(&Petition{}).Where("id = ?", sub.Petition.ID).
		Updates(map[string]any{"demo": true, "secret_hash": hashSecret(p.code, p.secret)}).Error
	if err != nil {
		return fmt.Errorf("mark %s as demo: %w", p.code, err)
	}
	return nil
}

// officer and leader act for the unit the petition is at now.
func (l *demoLoader) officer(p *demoPetition) Viewer { return l.staffOf(p.unitCode).officer }
func (l *demoLoader) leader(p *demoPetition) Viewer  { return l.staffOf(p.unitCode).leader }

// demoFate is how a petition's story ends (if the year is long enough).
type demoFate int

const (
	fatePublished demoFate = iota
	fateAnswered           // answered; published only with consent
	fateRejected
	fateFormal // a formal complaint, sent where the law says
	fateDuplicate
	fateWithdrawn
	fateClosedNoInfo
)

// demoPlan is the story of one petition in working days between steps.
type demoPlan struct {
	fate      demoFate
	transfers int    // 1: from the Service Center; 2: through a wrong unit first
	accept    int    // after receipt (or the last transfer)
	info      int    // after acceptance: a request for information (0: none)
	supply    int    // after the request: the citizen's reply (0: never)
	extend    int    // after acceptance: the leader extends (0: no)
	draft     int    // after acceptance (or the reply)
	ret       bool   // the leader returns the first draft
	approve   int    // after the draft
	publish   int    // after approval
	rate      int    // after the answer: the citizen rates (0: never)
	withdraw  int    // after receipt (fateWithdrawn)
	triage    int    // after receipt: rejection or duplicate
	unit      string // the unit it must reach ("" for any)
	original  *demoPetition
}

// storyOf schedules a petition's steps from its receipt.
func (l *demoLoader) storyOf(p *demoPetition, pl demoPlan) {
	l.petitions = append(l.petitions, p)
	if p.final == "TTPVHCC" || p.in.ProcedureCode != "" {
		pl.transfers = 0 // the Service Center's own, or routed by its procedure
	}
	if pl.transfers > 0 {
		// Filed under "Khác": the Service Center triages it.
		p.in.Category = "khac"
	}
	r := p.in.ReceivedAt
	l.add(r, p, demoSubmit)
	t := r
	switch pl.fate {
	case fateWithdrawn:
		l.add(l.later(t, pl.withdraw), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			_, err := l.st.WithdrawPetition(ctx, p.code, p.secret)
			return err
		})
		return
	case fateRejected, fateFormal:
		reason, code := l.rejectReason(p, pl.fate)
		l.add(l.later(t, pl.triage), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			v := l.officer(p)
			if code == RejectFormalComplaint || p.unitCode == "TTPVHCC" {
				v = l.coord
			}
			_, err := l.st.RejectPetition(ctx, v, p.code, RejectInput{Reason: reason, Code: code})
			return err
		})
		return
	case fateDuplicate:
		orig := pl.original
		l.add(l.later(maxTime(t, orig.in.ReceivedAt), pl.triage), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			if orig.code == "" {
				return nil
			}
			_, err := l.st.MarkDuplicate(ctx, l.coord, p.code, orig.code)
			return err
		})
		return
	}
	for i := range pl.transfers {
		target := p.final
		if i == 0 && pl.transfers == 2 {
			target = l.wrongUnit(p)
		}
		t = l.add(l.later(t, 1+l.rng.IntN(2)), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			_, err := l.st.TransferPetition(ctx, l.coord, p.code, target, l.transferReason(p, target))
			if err == nil {
				p.unitCode = target
			}
			return err
		})
	}
	t = l.add(l.later(t, pl.accept), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
		_, err := l.st.AcceptPetition(ctx, l.officer(p), p.code)
		if err != nil {
			return err
		}
		if st, ok := l.staff[p.unitCode]; ok && st.officer.ID != 0 {
			_, err = l.st.AssignPetition(ctx, st.leader, p.code, st.officer.ID)
		}
		return err
	})
	accepted := t
	if l.rng.IntN(6) == 0 {
		note := demoNotes[l.rng.IntN(len(demoNotes))]
		l.add(l.later(accepted, 1+l.rng.IntN(2)), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			return l.st.AddNote(ctx, l.officer(p), p.code, note)
		})
	}
	if pl.extend > 0 {
		l.add(l.later(accepted, pl.extend), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			_, err := l.st.ExtendDeadline(ctx, l.leader(p), p.code, 5+l.rng.IntN(6), l.extendReason(p))
			return err
		})
	}
	if pl.info > 0 {
		t = l.add(l.later(t, pl.info), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			_, err := l.st.RequestInfo(ctx, l.officer(p), p.code, p.sc.infoRequest())
			return err
		})
		if pl.supply == 0 {
			return // the deadlines job closes it
		}
		t = l.add(l.later(t, pl.supply), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			_, err := l.st.SupplyInfo(ctx, p.code, p.secret, p.sc.infoReply(), nil)
			return err
		})
	}
	t = l.add(l.later(t, pl.draft), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
		return l.draft(ctx, p, false)
	})
	if pl.ret {
		t = l.add(l.later(t, 1), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			_, err := l.st.ReturnAnswer(ctx, l.leader(p), p.code, l.returnReason())
			return err
		})
		t = l.add(l.later(t, 1+l.rng.IntN(2)), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			return l.draft(ctx, p, true)
		})
	}
	t = l.add(l.later(t, pl.approve), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
		_, err := l.st.ApproveAnswer(ctx, l.leader(p), p.code)
		return err
	})
	answered := t
	if p.in.PublishConsent && pl.publish > 0 {
		l.add(l.later(t, pl.publish), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			_, err := l.st.PublishAnswer(ctx, l.leader(p), p.code)
			return err
		})
	}
	if pl.rate > 0 {
		l.add(l.later(answered, pl.rate+pl.publish), p, func(ctx context.Context, l *demoLoader, p *demoPetition) error {
			return l.rate(ctx, p)
		})
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// draft writes the scenario's answer with the unit's reply document.
func (l *demoLoader) draft(ctx context.Context, p *demoPetition, second bool) error {
	answer := p.sc.answerText(p.place)
	if second {
		answer += "\n\n" + demoAnswerClosing
	}
	u := l.units[p.unitCode]
	day := l.now
	in := DraftInput{Answer: answer, ReplyNumber: fmt.Sprintf("%d/%s-%s", 100+l.rng.IntN(3900), replyPrefix(u), "PAKN"), ReplyDate: &day}
	_, err := l.st.DraftAnswer(ctx, l.officer(p), p.code, in)
	return err
}

// replyPrefix abbreviates a unit for a reply number ("STNMT", "UBND").
func replyPrefix(u Unit) string {
	if u.Kind == UnitDistrict {
		return "UBND"
	}
	return u.Code
}

// rate records the citizen's rating of the answer.
func (l *demoLoader) rate(ctx context.Context, p *demoPetition) error {
	score := demoScores[l.rng.IntN(len(demoScores))]
	comment := ""
	if l.rng.IntN(3) > 0 {
		cs := demoRatingComments[score]
		comment = cs[l.rng.IntN(len(cs))]
	}
	_, err := l.st.RatePetition(ctx, p.code, p.secret, score, comment)
	return err
}

// demoScores weighs the ratings towards satisfied citizens, as a province
// that answers on time would see.
var demoScores = []int{5, 5, 5, 5, 4, 4, 4, 4, 3, 3, 2, 1}

// demoPlace is where a petition is about.
type demoPlace struct {
	Area  string // area code ("" for a province-wide matter)
	Huyen string // the area's name
	Xa    string // a commune or ward of it
	Duong string // a road through it
	Ap    string // a hamlet or quarter
}

// plan draws the year: about three hundred petitions received over twelve
// months, more in recent months, plus a few placed relative to today so
// that every state and every deadline situation is on show whatever the
// day of loading.
func (l *demoLoader) plan() {
	const bulk = 310
	year := l.today.AddDate(-1, 0, 0)
	var recv []time.Time
	for range bulk {
		x := l.rng.Float64()
		if l.rng.IntN(2) == 0 {
			x = 1 - x*x // more in recent months
		}
		day := year.Add(time.Duration(x * float64(l.today.Sub(year))))
		recv = append(recv, l.receiptTime(day))
	}
	slices.SortFunc(recv, func(a, b time.Time) int { return a.Compare(b) })
	var answerable []*demoPetition // possible originals of a duplicate
	for _, r := range recv {
		if !r.Before(l.today) {
			continue
		}
		fate := l.drawFate()
		var orig *demoPetition
		if fate == fateDuplicate {
			for i := len(answerable) - 1; i >= 0 && i >= len(answerable)-6; i-- {
				if r.Sub(answerable[i].in.ReceivedAt) < 20*24*time.Hour {
					orig = answerable[i]
				}
			}
			if orig == nil {
				fate = fatePublished
			}
		}
		p := l.newPetition(r, fate, orig, "")
		pl := l.drawPlan(fate)
		pl.original = orig
		if fate == fatePublished || fate == fateAnswered {
			answerable = append(answerable, p)
		}
		l.storyOf(p, pl)
	}
	l.pinned()
}

// pinned places petitions relative to today so that each state shows.
func (l *demoLoader) pinned() {
	back := func(n int) time.Time {
		h, m := l.officeHour()
		d := l.workingDaysBack(l.today, n)
		return time.Date(d.In(workdays.VietnamLocation()).Year(), d.In(workdays.VietnamLocation()).Month(), d.In(workdays.VietnamLocation()).Day(), h, m, 0, 0, workdays.VietnamLocation()).UTC()
	}
	add := func(r time.Time, pl demoPlan) *demoPetition {
		if !r.Before(l.today) {
			r = l.today.Add(-time.Duration(30+l.rng.IntN(300)) * time.Minute)
		}
		p := l.newPetition(r, pl.fate, pl.original, pl.unit)
		l.storyOf(p, pl)
		return p
	}
	// Just received: today and the day before.
	for i := range 3 {
		add(l.today.Add(-time.Duration(40+i*95)*time.Minute), demoPlan{fate: fatePublished, accept: 5})
	}
	add(back(1), demoPlan{fate: fateAnswered, accept: 5, unit: "BEN-LUC"})
	add(back(1), demoPlan{fate: fatePublished, accept: 5, unit: "STNMT"})
	add(back(2), demoPlan{fate: fatePublished, accept: 5, unit: "BEN-LUC"})
	// Nobody took these up: the triage deadline has passed.
	add(back(8), demoPlan{fate: fatePublished, accept: 20})
	add(back(7), demoPlan{fate: fateAnswered, accept: 20})
	// In progress, on time.
	for i, unit := range []string{"BEN-LUC", "STNMT", "", ""} {
		add(back(4+i), demoPlan{fate: fatePublished, accept: 1, draft: 15, unit: unit})
	}
	// Waiting for the citizen's information.
	for i, unit := range []string{"BEN-LUC", "STNMT", ""} {
		add(back(5+i*2), demoPlan{fate: fatePublished, accept: 1, info: 2, supply: 20, draft: 5, approve: 1, publish: 1, unit: unit})
	}
	// The information never came: the deadlines job closed them.
	add(back(40), demoPlan{fate: fateClosedNoInfo, accept: 1, info: 2})
	add(back(55), demoPlan{fate: fateClosedNoInfo, accept: 2, info: 3})
	// Overdue answers: reminders, overdue notices and an escalation sent.
	add(back(26), demoPlan{fate: fatePublished, accept: 1, draft: 30, unit: "BEN-LUC"})
	add(back(24), demoPlan{fate: fatePublished, accept: 2, draft: 30})
	add(back(23), demoPlan{fate: fateAnswered, accept: 1, draft: 30, transfers: 1})
	// Extended once, within the limit.
	add(back(18), demoPlan{fate: fatePublished, accept: 1, extend: 15, draft: 25, unit: "STNMT"})
	add(back(20), demoPlan{fate: fateAnswered, accept: 1, extend: 16, draft: 26})
	// Drafts waiting for the leader.
	add(back(10), demoPlan{fate: fatePublished, accept: 1, draft: 7, approve: 5, unit: "BEN-LUC"})
	add(back(9), demoPlan{fate: fatePublished, accept: 1, draft: 6, ret: true, approve: 5, unit: "STNMT"})
	// Answered, waiting for publication.
	add(back(12), demoPlan{fate: fatePublished, accept: 1, draft: 8, approve: 1, publish: 6, unit: "BEN-LUC"})
	add(back(11), demoPlan{fate: fatePublished, accept: 1, draft: 7, approve: 1, publish: 6, unit: "STNMT"})
	add(back(13), demoPlan{fate: fateAnswered, accept: 1, draft: 8, approve: 1, rate: 1})
	// Published recently, one with co-petitioners.
	orig := add(back(16), demoPlan{fate: fatePublished, accept: 1, draft: 9, approve: 1, publish: 1, rate: 2})
	add(back(15), demoPlan{fate: fateDuplicate, triage: 1, original: orig})
	add(back(14), demoPlan{fate: fateDuplicate, triage: 2, original: orig})
	add(back(15), demoPlan{fate: fatePublished, accept: 1, draft: 8, approve: 1, publish: 2})
	// Refused and withdrawn lately.
	add(back(3), demoPlan{fate: fateRejected, triage: 1})
	add(back(6), demoPlan{fate: fateFormal, triage: 2})
	add(back(5), demoPlan{fate: fateWithdrawn, withdraw: 2})
	// Transferred twice: flagged to the Service Center.
	add(back(6), demoPlan{fate: fatePublished, transfers: 2, accept: 1, draft: 20})
}

// receiptTime is when a petition sent on day arrives: any hour on the web,
// office hours at a desk (the channel is drawn later and fits).
func (l *demoLoader) receiptTime(day time.Time) time.Time {
	d := day.In(workdays.VietnamLocation())
	h := 6 + l.rng.IntN(16)
	return time.Date(d.Year(), d.Month(), d.Day(), h, l.rng.IntN(60), 0, 0, workdays.VietnamLocation()).UTC()
}

func (l *demoLoader) drawFate() demoFate {
	x := l.rng.IntN(100)
	switch {
	case x < 50:
		return fatePublished
	case x < 66:
		return fateAnswered
	case x < 74:
		return fateRejected
	case x < 76:
		return fateFormal
	case x < 84:
		return fateDuplicate
	case x < 89:
		return fateWithdrawn
	case x < 93:
		return fateClosedNoInfo
	}
	return fatePublished
}

// drawPlan draws the working days between a petition's steps.
func (l *demoLoader) drawPlan(f demoFate) demoPlan {
	r := l.rng
	pl := demoPlan{fate: f, accept: 1 + r.IntN(3), draft: 4 + r.IntN(12), approve: 1 + r.IntN(3),
		publish: r.IntN(4), triage: 1 + r.IntN(3), withdraw: 1 + r.IntN(8)}
	switch x := r.IntN(100); {
	case x < 10:
		pl.transfers = 1
	case x < 13:
		pl.transfers = 2
	}
	switch x := r.IntN(100); {
	case f == fateClosedNoInfo:
		pl.info = 2 + r.IntN(5)
	case x < 15:
		pl.info = 1 + r.IntN(5)
		pl.supply = 1 + r.IntN(8)
	case x < 23:
		pl.extend = 14 + r.IntN(4)
		pl.draft = 22 + r.IntN(6)
	case x < 30:
		pl.draft = 21 + r.IntN(8) // answered late
	}
	pl.ret = r.IntN(10) == 0
	if r.IntN(10) < 6 {
		pl.rate = 1 + r.IntN(8)
	}
	return pl
}

// newPetition draws a scenario, a place, a petitioner and a channel.
// unit, when set, is the unit the petition must reach (a pinned petition
// for the demo officials' inboxes).
func (l *demoLoader) newPetition(r time.Time, f demoFate, orig *demoPetition, unit string) *demoPetition {
	r0 := l.rng
	var sc *demoScenario
	var place demoPlace
	if orig != nil {
		sc, place = orig.sc, orig.place
	} else {
		for range 4 * len(l.scenarios) {
			if len(l.order) == 0 {
				l.order = r0.Perm(len(l.scenarios)) // each round in a new order
			}
			sc = &l.scenarios[l.order[0]]
			l.order = l.order[1:]
			place = l.drawPlace(sc)
			if unit == "" {
				break
			}
			if c := l.cats[sc.Category]; c.Local && l.units[unit].Kind == UnitDistrict && !sc.NoArea {
				place = l.placeIn(unit, sc)
			}
			if sc.Procedure == "" && l.routeOf(sc.Category, place.Area) == unit {
				break
			}
		}
	}
	who := l.drawPetitioner(sc, place)
	cat := sc.Category
	in := SubmitInput{
		Kind: sc.Kind, Title: sc.render(sc.Title, place), Content: sc.render(sc.Content, place),
		Category: cat, Area: place.Area, PublishConsent: f == fatePublished || (f != fateAnswered && r0.IntN(4) > 0),
		Petitioner: who, ReceivedAt: r, Language: "vi", ProcedureCode: sc.Procedure,
		ConfidentialIdentity: r0.IntN(40) == 0,
	}
	if f == fateAnswered && r0.IntN(3) == 0 {
		in.PublishConsent = true // the leader kept it unpublished
	}
	in.Content = strings.ReplaceAll(in.Content, "{ten}", who.Name)
	if orig != nil {
		in.Content = demoDuplicateOpening[r0.IntN(len(demoDuplicateOpening))] + " " + in.Content
	}
	switch x := r0.IntN(100); {
	case x < 52:
		in.Channel = ChannelWeb
	case x < 62:
		in.Channel = ChannelAPI // the provincial app
	case x < 72:
		in.Channel = ChannelInPerson
	case x < 82:
		in.Channel = ChannelPhone
	case x < 92:
		in.Channel = ChannelPostOffice
	default:
		in.Channel = ChannelPost
	}
	if h := r.In(workdays.VietnamLocation()).Hour(); in.Channel != ChannelWeb && in.Channel != ChannelAPI && (h < 7 || h > 16 || !l.cal.IsWorkingDay(r)) {
		in.Channel = ChannelWeb // desks and post offices keep office hours
	}
	if in.Channel != ChannelWeb && in.Channel != ChannelAPI {
		in.EnteredByID, in.ActorName = &l.clerk.ID, l.clerk.Name
	}
	p := &demoPetition{in: in, sc: sc, place: place}
	p.final = l.routeOf(sc.Category, place.Area)
	return p
}

// routeOf is the unit the demo routing rules give a category and area.
func (l *demoLoader) routeOf(cat, area string) string {
	c := l.cats[cat]
	if c.Local && area != "" {
		return area // each district's area has the district's code
	}
	return c.Unit
}

// wrongUnit is a plausible first guess for a petition transferred twice.
func (l *demoLoader) wrongUnit(p *demoPetition) string {
	for _, code := range []string{"SXD", "STNMT", "SGTVT", "TAN-AN"} {
		if code != p.final {
			return code
		}
	}
	return "SNV"
}

// drawPlace picks where a scenario happens: Bến Lức and the provincial
// departments more often, so the demo officials' inboxes are busy.
func (l *demoLoader) drawPlace(sc *demoScenario) demoPlace {
	r := l.rng
	var d seedUnit
	if r.IntN(4) == 0 {
		d = l.areas[slices.IndexFunc(l.areas, func(u seedUnit) bool { return u.Code == "BEN-LUC" })]
	} else {
		d = l.areas[r.IntN(len(l.areas))]
	}
	g := demoGeography(d.Code)
	place := demoPlace{Area: d.Code, Huyen: d.Area}
	place.Xa = g.communes[r.IntN(len(g.communes))]
	place.Duong = g.roads[r.IntN(len(g.roads))]
	place.Ap = demoHamlets[r.IntN(len(demoHamlets))]
	// A department's matter is often province-wide.
	if c := l.cats[sc.Category]; c.Local && (c.Unit == "STNMT" && r.IntN(3) == 0) {
		place.Area = ""
	}
	if sc.NoArea {
		place.Area = ""
	}
	return place
}

// placeIn is a place in the district whose unit is code.
func (l *demoLoader) placeIn(code string, sc *demoScenario) demoPlace {
	i := slices.IndexFunc(l.areas, func(u seedUnit) bool { return u.Code == code })
	g := demoGeography(code)
	r := l.rng
	return demoPlace{Area: code, Huyen: l.areas[i].Area,
		Xa: g.communes[r.IntN(len(g.communes))], Duong: g.roads[r.IntN(len(g.roads))],
		Ap: demoHamlets[r.IntN(len(demoHamlets))]}
}

// drawPetitioner draws a person (or an organisation) of the place.
func (l *demoLoader) drawPetitioner(sc *demoScenario, place demoPlace) PetitionerInput {
	r := l.rng
	female := r.IntN(2) == 0
	family := demoFamilyNames[r.IntN(len(demoFamilyNames))]
	var middle, given string
	if female {
		middle = demoFemaleMiddle[r.IntN(len(demoFemaleMiddle))]
		given = demoFemaleGiven[r.IntN(len(demoFemaleGiven))]
	} else {
		middle = demoMaleMiddle[r.IntN(len(demoMaleMiddle))]
		given = demoMaleGiven[r.IntN(len(demoMaleGiven))]
	}
	name := family + " " + middle + " " + given
	p := PetitionerInput{
		Name:    name,
		Address: fmt.Sprintf("%s, %s, %s, tỉnh Long An", place.Ap, place.Xa, lowerFirst(place.Huyen)),
		Email:   fmt.Sprintf("%s.%s%d@example.com", foldSearch(given), foldSearch(family), 10+r.IntN(89)),
	}
	if r.IntN(3) > 0 {
		p.Phone = fmt.Sprintf("09%d%d %03d %03d", 1+r.IntN(8), r.IntN(10), r.IntN(1000), r.IntN(1000))
	}
	if sc.Org != "" {
		p.Organization = sc.render(sc.Org, place)
	}
	return p
}

func (l *demoLoader) rejectReason(p *demoPetition, f demoFate) (string, string) {
	if f == fateFormal {
		return "Nội dung đơn là khiếu nại đối với quyết định hành chính của cơ quan có thẩm quyền, được giải quyết theo Luật Khiếu nại, không thuộc phạm vi tiếp nhận phản ánh, kiến nghị. Đề nghị công dân gửi đơn khiếu nại đến cơ quan đã ban hành quyết định.", RejectFormalComplaint
	}
	rs := demoRejectReasons
	return rs[l.rng.IntN(len(rs))], ""
}

func (l *demoLoader) transferReason(p *demoPetition, target string) string {
	return fmt.Sprintf("Nội dung thuộc thẩm quyền giải quyết của %s; chuyển để xem xét, trả lời công dân theo quy định.", l.units[target].Name)
}

func (l *demoLoader) extendReason(p *demoPetition) string {
	rs := demoExtendReasons
	return rs[l.rng.IntN(len(rs))]
}

func (l *demoLoader) returnReason() string {
	rs := demoReturnReasons
	return rs[l.rng.IntN(len(rs))]
}
