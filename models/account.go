package models

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Citizen accounts: a citizen signed in with the national shared sign-in
// (OpenID Connect) gives their details once and follows every petition of
// the account. The protocol itself is app's (a library's); models keeps the
// rules: consent before the first store, the fields the provider vouched
// for, sessions apart from officials', erasure.

// Profile fields, as in PAKN_OIDC_CLAIMS.
const (
	FieldName         = "name"
	FieldPhone        = "phone"
	FieldEmail        = "email"
	FieldAddress      = "address"
	FieldIDNumber     = "id_number"
	FieldOrganization = "organization"
)

// ProfileFields lists the profile's fields in the order pages show them.
var ProfileFields = []string{FieldName, FieldPhone, FieldEmail, FieldAddress, FieldIDNumber, FieldOrganization}

// Lifetimes of what a citizen's sign-in leaves in the database.
const (
	// CitizenLoginTTL is how long a sign-in may take, from the redirect to
	// the provider until consent; then it starts over.
	CitizenLoginTTL = 20 * time.Minute
	// CitizenSessionIdle and CitizenSessionMax bound a citizen's session.
	CitizenSessionIdle = time.Hour
	CitizenSessionMax  = 12 * time.Hour
	// CitizenAccountYears without a sign-in erase an account that follows
	// no open petition.
	CitizenAccountYears = 2
)

// CitizenProfile is what the provider said about a citizen, mapped to
// PAKN's fields; Vouched lists the fields it stands behind.
type CitizenProfile struct {
	Name         string   `json:"name"`
	Phone        string   `json:"phone"`
	Email        string   `json:"email"`
	Address      string   `json:"address"`
	IDNumber     string   `json:"id_number,omitempty"`
	Organization string   `json:"organization"`
	Vouched      []string `json:"vouched"`
}

// Get returns one field by name.
func (p *CitizenProfile) Get(field string) string {
	switch field {
	case FieldName:
		return p.Name
	case FieldPhone:
		return p.Phone
	case FieldEmail:
		return p.Email
	case FieldAddress:
		return p.Address
	case FieldIDNumber:
		return p.IDNumber
	case FieldOrganization:
		return p.Organization
	}
	return ""
}

// Set changes one field by name.
func (p *CitizenProfile) Set(field, v string) {
	switch field {
	case FieldName:
		p.Name = v
	case FieldPhone:
		p.Phone = v
	case FieldEmail:
		p.Email = v
	case FieldAddress:
		p.Address = v
	case FieldIDNumber:
		p.IDNumber = v
	case FieldOrganization:
		p.Organization = v
	}
}

// normalise cleans the fields and keeps only vouched fields that have a
// value.
func (p *CitizenProfile) normalise() {
	for _, f := range ProfileFields {
		v := CleanLine(p.Get(f))
		if f == FieldEmail {
			v = strings.ToLower(v)
		}
		p.Set(f, v)
	}
	p.Vouched = slices.DeleteFunc(slices.Clone(p.Vouched), func(f string) bool { return p.Get(f) == "" || !slices.Contains(ProfileFields, f) })
	slices.Sort(p.Vouched)
	p.Vouched = slices.Compact(p.Vouched)
}

// MaskIDNumber shows an ID number as its last four digits.
func MaskIDNumber(id string) string {
	if id == "" {
		return ""
	}
	r := []rune(id)
	if len(r) <= 4 {
		return strings.Repeat("•", len(r))
	}
	return strings.Repeat("•", len(r)-4) + string(r[len(r)-4:])
}

// CitizenAccount is a citizen known by their provider's issuer and subject.
type CitizenAccount struct {
	ID           int64  `gorm:"primaryKey"`
	Issuer       string `gorm:"size:300;not null"`
	Subject      string `gorm:"size:255;not null"`
	Name         string `gorm:"not null"`
	Phone        string
	Email        string
	Address      string
	IDNumber     string `gorm:"size:32"`
	Organization string
	// Vouched is the comma-separated fields the provider stands behind:
	// refreshed at every sign-in, not editable.
	Vouched      string `gorm:"size:200"`
	ConsentedAt  time.Time
	LastSignInAt time.Time `gorm:"not null"`
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName names the accounts table.
func (CitizenAccount) TableName() string { return "citizen_accounts" }

// Profile is the account's details as a profile.
func (a *CitizenAccount) Profile() CitizenProfile {
	p := CitizenProfile{Name: a.Name, Phone: a.Phone, Email: a.Email, Address: a.Address, IDNumber: a.IDNumber, Organization: a.Organization}
	if a.Vouched != "" {
		p.Vouched = strings.Split(a.Vouched, ",")
	}
	return p
}

func (a *CitizenAccount) setProfile(p CitizenProfile) {
	a.Name, a.Phone, a.Email, a.Address, a.IDNumber, a.Organization = p.Name, p.Phone, p.Email, p.Address, p.IDNumber, p.Organization
	a.Vouched = strings.Join(p.Vouched, ",")
}

// Vouches tells whether the provider stands behind a field.
func (a *CitizenAccount) Vouches(field string) bool {
	return slices.Contains(strings.Split(a.Vouched, ","), field)
}

// MaskedIDNumber is the ID number as pages show it.
func (a *CitizenAccount) MaskedIDNumber() string { return MaskIDNumber(a.IDNumber) }

// CitizenSession is a signed-in citizen; only the token's hash is stored.
// IDToken is kept for the provider's sign-out (id_token_hint).
type CitizenSession struct {
	IDHash     string `gorm:"primaryKey;size:64"`
	AccountID  int64  `gorm:"not null"`
	IDToken    string
	CreatedAt  time.Time
	ExpiresAt  time.Time `gorm:"not null"`
	LastSeenAt time.Time
	IP         string `gorm:"size:64"`
	UserAgent  string `gorm:"size:300"`
}

// TableName names the citizens' sessions table.
func (CitizenSession) TableName() string { return "citizen_sessions" }

// Stages of a sign-in under way.
const (
	LoginStarted = "started" // sent to the provider
	LoginConsent = "consent" // back, waiting for the citizen's consent
)

// CitizenLogin is a sign-in under way, found by the hash of a token in the
// browser's cookie: what the callback checks (state, nonce, the PKCE
// verifier) and, while the citizen decides on consent, what the provider
// said (never stored in an account before consent).
type CitizenLogin struct {
	IDHash    string `gorm:"primaryKey;size:64"`
	Stage     string `gorm:"size:16;not null"`
	State     string `gorm:"size:64;not null"`
	Nonce     string `gorm:"size:64;not null"`
	Verifier  string `gorm:"size:128;not null"`
	Next      string `gorm:"size:300"`
	Issuer    string `gorm:"size:300"`
	Subject   string `gorm:"size:255"`
	Profile   string
	IDToken   string
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"not null"`
}

// TableName names the sign-ins table.
func (CitizenLogin) TableName() string { return "citizen_logins" }

// AccountPetition links a petition to the account that follows it (at most
// one account per petition).
type AccountPetition struct {
	PetitionID int64     `gorm:"primaryKey;autoIncrement:false"`
	AccountID  int64     `gorm:"not null"`
	LinkedAt   time.Time `gorm:"not null"`
	Via        string    `gorm:"size:16;not null"` // submit | claim
}

// TableName names the links table.
func (AccountPetition) TableName() string { return "account_petitions" }

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func accountSubject(id int64) string { return fmt.Sprintf("account:%d", id) }

// CitizenLoginStart is what the relying party generated for one sign-in.
type CitizenLoginStart struct {
	State, Nonce, Verifier, Next string
}

// BeginCitizenLogin records a sign-in under way and returns the token for
// the browser's cookie.
func (s *Store) BeginCitizenLogin(ctx context.Context, in CitizenLoginStart) (string, error) {
	tok, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.now()
	row := CitizenLogin{IDHash: hashToken(tok), Stage: LoginStarted, State: in.State, Nonce: in.Nonce, Verifier: in.Verifier, Next: in.Next, CreatedAt: now, ExpiresAt: now.Add(CitizenLoginTTL)}
	if err := s.DB.WithContext(ctx).Create(&row).Error; err != nil {
		return "", fmt.Errorf("begin citizen sign-in: %w", err)
	}
	return tok, nil
}

// TakeCitizenLogin consumes the sign-in of this browser when state matches:
// whatever the outcome, it can be used once only, so a replayed or forged
// callback finds nothing (ErrNotFound).
func (s *Store) TakeCitizenLogin(ctx context.Context, tok, state string) (*CitizenLogin, error) {
	if tok == "" {
		return nil, ErrNotFound
	}
	var row CitizenLogin
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Where("id_hash = ? AND stage = ? AND expires_at > ?", hashToken(tok), LoginStarted, s.now()).First(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		res := tx.Where("id_hash = ? AND stage = ?", row.IDHash, LoginStarted).Delete(&CitizenLogin{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("citizen sign-in callback: %w", err)
	}
	// Checked after the commit: a wrong state uses the sign-in up too.
	if subtle.ConstantTimeCompare([]byte(row.State), []byte(state)) != 1 {
		return nil, fmt.Errorf("citizen sign-in callback: state does not match: %w", ErrNotFound)
	}
	return &row, nil
}

// CitizenSignIn is a citizen the provider vouched for, back from it.
type CitizenSignIn struct {
	Issuer, Subject string
	Profile         CitizenProfile
	IDToken         string
	Next            string
	IP, UserAgent   string
}

// CitizenSignInResult is a session (known account) or a consent to ask for
// (first sign-in): exactly one token is set.
type CitizenSignInResult struct {
	SessionToken string
	ConsentToken string
	Next         string
}

// SignInCitizen signs a known citizen in, refreshing the fields the
// provider vouches for; a citizen seen for the first time is held (for
// CitizenLoginTTL, not in an account) until they consent.
func (s *Store) SignInCitizen(ctx context.Context, in CitizenSignIn) (*CitizenSignInResult, error) {
	in.Profile.normalise()
	now := s.now()
	var acc CitizenAccount
	err := s.DB.WithContext(ctx).Where("issuer = ? AND subject = ?", in.Issuer, in.Subject).First(&acc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		raw, err := json.Marshal(in.Profile)
		if err != nil {
			return nil, err
		}
		tok, err := newToken()
		if err != nil {
			return nil, err
		}
		row := CitizenLogin{IDHash: hashToken(tok), Stage: LoginConsent, State: "-", Nonce: "-", Verifier: "-", Next: in.Next,
			Issuer: in.Issuer, Subject: in.Subject, Profile: string(raw), IDToken: in.IDToken, CreatedAt: now, ExpiresAt: now.Add(CitizenLoginTTL)}
		if err := s.DB.WithContext(ctx).Create(&row).Error; err != nil {
			return nil, fmt.Errorf("hold citizen sign-in for consent: %w", err)
		}
		return &CitizenSignInResult{ConsentToken: tok, Next: in.Next}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("citizen sign-in: %w", err)
	}
	var tok string
	err = s.Tx(ctx, func(tx *gorm.DB) error {
		p := acc.Profile()
		// The provider's word replaces what it vouches for now; fields it
		// no longer vouches for stay as they were, editable again.
		for _, f := range in.Profile.Vouched {
			p.Set(f, in.Profile.Get(f))
		}
		p.Vouched = in.Profile.Vouched
		acc.setProfile(p)
		acc.LastSignInAt = now
		if err := tx.Omit("created_at", "consented_at").Save(&acc).Error; err != nil {
			return err
		}
		var err error
		tok, err = createCitizenSessionTx(tx, acc.ID, in.IDToken, in.IP, in.UserAgent, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("citizen sign-in: %w", err)
	}
	return &CitizenSignInResult{SessionToken: tok, Next: in.Next}, nil
}

func createCitizenSessionTx(tx *gorm.DB, accountID int64, idToken, ip, userAgent string, now time.Time) (string, error) {
	tok, err := newToken()
	if err != nil {
		return "", err
	}
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	sess := CitizenSession{IDHash: hashToken(tok), AccountID: accountID, IDToken: idToken, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(CitizenSessionIdle), IP: ip, UserAgent: userAgent}
	if err := tx.Create(&sess).Error; err != nil {
		return "", err
	}
	id := accountID
	if err := tx.Create(&Event{Subject: accountSubject(id), At: now, Type: "citizen_signed_in", Note: ip}).Error; err != nil {
		return "", err
	}
	return tok, nil
}

// PendingConsent is a first sign-in waiting for the citizen's consent.
type PendingConsent struct {
	Profile CitizenProfile
	Next    string
}

// PendingCitizenConsent returns what a first sign-in would store.
func (s *Store) PendingCitizenConsent(ctx context.Context, tok string) (*PendingConsent, error) {
	if tok == "" {
		return nil, ErrNotFound
	}
	var row CitizenLogin
	err := s.DB.WithContext(ctx).Where("id_hash = ? AND stage = ? AND expires_at > ?", hashToken(tok), LoginConsent, s.now()).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("pending consent: %w", err)
	}
	out := &PendingConsent{Next: row.Next}
	if err := json.Unmarshal([]byte(row.Profile), &out.Profile); err != nil {
		return nil, fmt.Errorf("pending consent: %w", err)
	}
	return out, nil
}

// ConsentCitizen stores the account of a first sign-in the citizen agreed
// to, and signs them in. Used once: a second post finds nothing.
func (s *Store) ConsentCitizen(ctx context.Context, tok, ip, userAgent string) (*CitizenSignInResult, error) {
	if tok == "" {
		return nil, ErrNotFound
	}
	now := s.now()
	var out CitizenSignInResult
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var row CitizenLogin
		err := tx.Where("id_hash = ? AND stage = ? AND expires_at > ?", hashToken(tok), LoginConsent, now).First(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		res := tx.Where("id_hash = ? AND stage = ?", row.IDHash, LoginConsent).Delete(&CitizenLogin{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		var p CitizenProfile
		if err := json.Unmarshal([]byte(row.Profile), &p); err != nil {
			return err
		}
		acc := CitizenAccount{Issuer: row.Issuer, Subject: row.Subject, ConsentedAt: now, LastSignInAt: now}
		acc.setProfile(p)
		// Two first sign-ins of one citizen in two browsers: the second
		// consent finds the account the first made.
		err = tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "issuer"}, {Name: "subject"}}, DoNothing: true}).Create(&acc).Error
		if err != nil {
			return err
		}
		if acc.ID == 0 {
			if err := tx.Where("issuer = ? AND subject = ?", row.Issuer, row.Subject).First(&acc).Error; err != nil {
				return err
			}
		} else if err := tx.Create(&Event{Subject: accountSubject(acc.ID), At: now, Type: "citizen_consented", Note: "profile"}).Error; err != nil {
			return err
		}
		out.Next = row.Next
		out.SessionToken, err = createCitizenSessionTx(tx, acc.ID, row.IDToken, ip, userAgent, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("citizen consent: %w", err)
	}
	return &out, nil
}

// CancelCitizenLogin forgets a sign-in under way (the citizen declined).
func (s *Store) CancelCitizenLogin(ctx context.Context, tok string) error {
	if tok == "" {
		return nil
	}
	return s.DB.WithContext(ctx).Where("id_hash = ?", hashToken(tok)).Delete(&CitizenLogin{}).Error
}

// CitizenBySession returns the account of a live citizen session and
// slides its expiry.
func (s *Store) CitizenBySession(ctx context.Context, tok string) (*CitizenAccount, error) {
	if tok == "" {
		return nil, ErrNotFound
	}
	id := hashToken(tok)
	db := s.DB.WithContext(ctx)
	now := s.now()
	var sess CitizenSession
	err := db.Where("id_hash = ? AND expires_at > ?", id, now).First(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("citizen session: %w", err)
	}
	var acc CitizenAccount
	err = db.First(&acc, sess.AccountID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("citizen session account: %w", err)
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		exp := now.Add(CitizenSessionIdle)
		if limit := sess.CreatedAt.Add(CitizenSessionMax); exp.After(limit) {
			exp = limit
		}
		db.Model(&CitizenSession{}).Where("id_hash = ?", id).Updates(map[string]any{"last_seen_at": now, "expires_at": exp})
	}
	return &acc, nil
}

// EndCitizenSession signs a citizen out and returns the session's ID token
// (for the provider's sign-out), "" when there was none.
func (s *Store) EndCitizenSession(ctx context.Context, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	var sess CitizenSession
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Where("id_hash = ?", hashToken(tok)).First(&sess).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Where("id_hash = ?", sess.IDHash).Delete(&CitizenSession{}).Error
	})
	if err != nil {
		return "", fmt.Errorf("citizen sign-out: %w", err)
	}
	return sess.IDToken, nil
}

// UpdateCitizenProfile changes the fields the provider does not vouch for.
// Vouched fields in the input are ignored. The ID number is only ever the
// provider's.
func (s *Store) UpdateCitizenProfile(ctx context.Context, accountID int64, in CitizenProfile) (*CitizenAccount, error) {
	in.Vouched = nil
	in.normalise()
	var acc CitizenAccount
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&acc, accountID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		p := acc.Profile()
		for _, f := range []string{FieldName, FieldPhone, FieldEmail, FieldAddress, FieldOrganization} {
			if !acc.Vouches(f) {
				p.Set(f, in.Get(f))
			}
		}
		if err := validateProfile(&p).Err(); err != nil {
			return err
		}
		acc.setProfile(p)
		if err := tx.Omit("created_at").Save(&acc).Error; err != nil {
			return err
		}
		return tx.Create(&Event{Subject: accountSubject(acc.ID), At: s.now(), Type: "profile_updated"}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("update citizen profile: %w", err)
	}
	return &acc, nil
}

// validateProfile checks a profile as /submit checks a petitioner (the
// form's field names: name, phone, email, petitioner_address,
// organization).
func validateProfile(p *CitizenProfile) *ValidationError {
	v := &ValidationError{}
	if p.Name == "" {
		v.Add("name", "err.required", nil)
	}
	for _, f := range []struct {
		field, value string
		max          int
	}{{"name", p.Name, MaxName}, {"petitioner_address", p.Address, MaxLine}, {"organization", p.Organization, MaxLine}} {
		if utf8.RuneCountInString(f.value) > f.max {
			v.Add(f.field, "err.too_long", map[string]any{"max": f.max})
		}
	}
	if p.Phone != "" && !phoneRe.MatchString(p.Phone) {
		v.Add("phone", "err.phone", nil)
	}
	if p.Email != "" && !validEmail(p.Email) {
		v.Add("email", "err.email", nil)
	}
	return v
}

// linkPetitionTx links a new or claimed petition to an account.
func linkPetitionTx(tx *gorm.DB, accountID, petitionID int64, via string, now time.Time) error {
	if err := tx.Create(&AccountPetition{PetitionID: petitionID, AccountID: accountID, LinkedAt: now, Via: via}).Error; err != nil {
		return fmt.Errorf("link petition to account: %w", err)
	}
	ev := Event{PetitionID: &petitionID, At: now, ActorName: "PAKN", Type: "account_linked"}
	if via == "claim" {
		ev = Event{PetitionID: &petitionID, At: now, ActorName: "PAKN", Type: "account_claimed"}
	}
	return tx.Create(&ev).Error
}

// ClaimPetition joins an earlier petition to the account with its code and
// secret. The same 404 for a wrong code or secret; a petition another
// account follows is a conflict; claiming it again is a no-op.
func (s *Store) ClaimPetition(ctx context.Context, accountID int64, code, secret string) (*Petition, error) {
	code = NormalizeCode(code)
	var p Petition
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		pp, err := s.petitionByCodeSecret(tx, code, secret)
		if err != nil {
			return err
		}
		p = *pp
		var link AccountPetition
		err = tx.Where("petition_id = ?", p.ID).First(&link).Error
		switch {
		case err == nil && link.AccountID == accountID:
			return nil
		case err == nil:
			return ErrConflict
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		now := s.now()
		if err := linkPetitionTx(tx, accountID, p.ID, "claim", now); err != nil {
			return err
		}
		return tx.Create(&Event{Subject: accountSubject(accountID), At: now, Type: "petition_claimed", ToValue: p.Code}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("claim petition %s: %w", code, err)
	}
	return &p, nil
}

// AccountPetitions lists the petitions an account follows, newest first,
// with their units.
func (s *Store) AccountPetitions(ctx context.Context, accountID int64) ([]Petition, error) {
	var ps []Petition
	err := s.DB.WithContext(ctx).Preload("Unit").
		Where("id IN (?)", s.DB.Model(&AccountPetition{}).Select("petition_id").Where("account_id = ?", accountID)).
		Order("received_at DESC, id DESC").Find(&ps).Error
	if err != nil {
		return nil, fmt.Errorf("account petitions: %w", err)
	}
	return ps, nil
}

// CitizenAccountOfPetition is the account that follows a petition
// (ErrNotFound when none does): for `pakn privacy export/erase CODE`.
func (s *Store) CitizenAccountOfPetition(ctx context.Context, code string) (*CitizenAccount, error) {
	var acc CitizenAccount
	err := s.DB.WithContext(ctx).
		Where("id = (?)", s.DB.Model(&AccountPetition{}).Select("account_petitions.account_id").
			Joins("JOIN petitions ON petitions.id = account_petitions.petition_id").Where("petitions.code = ?", NormalizeCode(code))).
		First(&acc).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("account of petition %s: %w", code, err)
	}
	return &acc, nil
}

// CitizenAccountExport is an account's data as `pakn privacy export` gives
// it.
type CitizenAccountExport struct {
	ID           int64          `json:"id"`
	Issuer       string         `json:"issuer"`
	Subject      string         `json:"subject"`
	Profile      CitizenProfile `json:"profile"`
	ConsentedAt  time.Time      `json:"consented_at"`
	LastSignInAt time.Time      `json:"last_sign_in_at"`
	CreatedAt    time.Time      `json:"created_at"`
	Petitions    []string       `json:"petitions"`
	Sessions     int64          `json:"active_sessions"`
}

// ExportCitizenAccount returns an account's data and records who read it.
func (s *Store) ExportCitizenAccount(ctx context.Context, accountID int64, actor string) (*CitizenAccountExport, error) {
	var out CitizenAccountExport
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		var acc CitizenAccount
		if err := tx.First(&acc, accountID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrNotFound
			}
			return err
		}
		out = CitizenAccountExport{ID: acc.ID, Issuer: acc.Issuer, Subject: acc.Subject, Profile: acc.Profile(),
			ConsentedAt: acc.ConsentedAt, LastSignInAt: acc.LastSignInAt, CreatedAt: acc.CreatedAt, Petitions: []string{}}
		err := tx.Model(&Petition{}).Joins("JOIN account_petitions ON account_petitions.petition_id = petitions.id").
			Where("account_petitions.account_id = ?", acc.ID).Order("petitions.code").Pluck("petitions.code", &out.Petitions).Error
		if err != nil {
			return err
		}
		if err := tx.Model(&CitizenSession{}).Where("account_id = ? AND expires_at > ?", acc.ID, s.now()).Count(&out.Sessions).Error; err != nil {
			return err
		}
		return tx.Create(&Event{Subject: accountSubject(acc.ID), At: s.now(), ActorName: actor, Type: "account_exported"}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("export citizen account %d: %w", accountID, err)
	}
	return &out, nil
}

// EraseCitizenAccount erases an account now: its profile, sessions and
// links (the petitions stay, under their own retention), with an audit
// event that names no one.
func (s *Store) EraseCitizenAccount(ctx context.Context, accountID int64, actor string) error {
	err := s.Tx(ctx, func(tx *gorm.DB) error {
		return eraseAccountTx(tx, accountID, actor, s.now())
	})
	if err != nil {
		return fmt.Errorf("erase citizen account %d: %w", accountID, err)
	}
	return nil
}

func eraseAccountTx(tx *gorm.DB, accountID int64, actor string, now time.Time) error {
	res := tx.Delete(&CitizenAccount{}, accountID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	if err := tx.Where("account_id = ?", accountID).Delete(&CitizenSession{}).Error; err != nil {
		return err
	}
	if err := tx.Where("account_id = ?", accountID).Delete(&AccountPetition{}).Error; err != nil {
		return err
	}
	return tx.Create(&Event{Subject: accountSubject(accountID), At: now, ActorName: actor, Type: "account_erased"}).Error
}

// openStatuses are the states of a petition that still needs work (as
// Petition.Open).
var openStatuses = []string{StatusReceived, StatusAccepted, StatusAwaitingInfo, StatusDrafted}

// EraseStaleCitizenAccounts erases the accounts whose last sign-in is more
// than CitizenAccountYears before now and that follow no open petition, and
// forgets expired sessions and sign-ins. It returns the accounts erased.
func (s *Store) EraseStaleCitizenAccounts(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC()
	db := s.DB.WithContext(ctx)
	if err := db.Where("expires_at <= ?", now).Delete(&CitizenSession{}).Error; err != nil {
		return 0, fmt.Errorf("expired citizen sessions: %w", err)
	}
	if err := db.Where("expires_at <= ?", now).Delete(&CitizenLogin{}).Error; err != nil {
		return 0, fmt.Errorf("expired citizen sign-ins: %w", err)
	}
	cutoff := now.AddDate(-CitizenAccountYears, 0, 0)
	open := s.DB.Model(&AccountPetition{}).Select("1").
		Joins("JOIN petitions ON petitions.id = account_petitions.petition_id").
		Where("account_petitions.account_id = citizen_accounts.id AND petitions.status IN ?", openStatuses)
	var ids []int64
	if err := db.Model(&CitizenAccount{}).Where("last_sign_in_at < ? AND NOT EXISTS (?)", cutoff, open).Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("stale citizen accounts: %w", err)
	}
	n := 0
	for _, id := range ids {
		// One transaction each, checking again: a sign-in or a new
		// petition since the list was read keeps the account.
		err := s.Tx(ctx, func(tx *gorm.DB) error {
			var still int64
			if err := tx.Model(&CitizenAccount{}).Where("id = ? AND last_sign_in_at < ? AND NOT EXISTS (?)", id, cutoff, open).Count(&still).Error; err != nil || still == 0 {
				return err
			}
			n++
			return eraseAccountTx(tx, id, "PAKN", now)
		})
		if err != nil {
			return n, fmt.Errorf("erase stale citizen account %d: %w", id, err)
		}
	}
	return n, nil
}
