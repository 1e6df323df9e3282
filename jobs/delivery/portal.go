package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Portal item types.
const (
	PortalFAQ    = "faq"
	PortalAnswer = "answer"
)

// PortalItem is one version of a published item (FAQ entry or answer). It
// must hold public fields only: the redacted question and answer.
type PortalItem struct {
	ID       string
	Type     string // PortalFAQ or PortalAnswer
	Version  int    // from 1; a new version is a new delivery
	Title    string // the public title (issue 19), added to the contract's keys
	Question string
	Answer   string
	Category string
	Unit     string
	// AskedAt and AnsweredAt are null in the payload when zero (an FAQ
	// entry has neither); PublishedAt is required.
	AskedAt, AnsweredAt, PublishedAt time.Time
	URL                              string
}

// portalPayload fixes the wire form of docs/ARCHITECTURE.md ("Portal
// push"), in its key order. Every
// key is always present, times are RFC 3339 at +07:00 to the second (the
// same item must serialise identically on every retry), a zero time is null.
type portalPayload struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	Version     int     `json:"version"`
	Title       string  `json:"title"`
	Question    string  `json:"question"`
	Answer      string  `json:"answer"`
	Category    string  `json:"category"`
	Unit        string  `json:"unit"`
	AskedAt     *string `json:"asked_at"`
	AnsweredAt  *string `json:"answered_at"`
	PublishedAt *string `json:"published_at"`
	URL         string  `json:"url"`
}

// vietnamTime is Asia/Ho_Chi_Minh, which has had no daylight saving since
// 1975; a fixed zone needs no tzdata in the container.
func vietnamTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.In(time.FixedZone("+07", 7*60*60)).Truncate(time.Second).Format(time.RFC3339)
	return &s
}

// MarshalJSON writes the portal payload.
func (it PortalItem) MarshalJSON() ([]byte, error) {
	return json.Marshal(portalPayload{
		ID: it.ID, Type: it.Type, Version: it.Version, Title: it.Title,
		Question: it.Question, Answer: it.Answer,
		Category: it.Category, Unit: it.Unit,
		AskedAt:     vietnamTime(it.AskedAt),
		AnsweredAt:  vietnamTime(it.AnsweredAt),
		PublishedAt: vietnamTime(it.PublishedAt),
		URL:         it.URL,
	})
}

// IdempotencyKey is "<id>-<version>": one effective delivery per version.
func (it PortalItem) IdempotencyKey() string {
	return it.ID + "-" + strconv.Itoa(it.Version)
}

func (it PortalItem) validate() error {
	switch {
	case it.ID == "", it.Question == "", it.Answer == "", it.PublishedAt.IsZero():
		return fmt.Errorf("id, question, answer or published_at: %w", errEmpty)
	case it.Type != PortalFAQ && it.Type != PortalAnswer:
		return fmt.Errorf("type %q: want %q or %q", it.Type, PortalFAQ, PortalAnswer)
	case it.Version < 1:
		return fmt.Errorf("version %d: want 1 or more", it.Version)
	}
	return nil
}

// Portal pushes published items to the national public service portal.
type Portal struct {
	ep   httpEndpoint
	base string // without trailing slash
}

// NewPortal returns a client for the portal at baseURL ($PAKN_PORTAL_URL).
// A nil client means one with a 30 s timeout; a given client is copied and
// made not to follow redirects.
func NewPortal(baseURL, token string, client *http.Client) (*Portal, error) {
	ep, u, err := newHTTPEndpoint(baseURL, token, client)
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	return &Portal{ep: ep, base: strings.TrimRight(u.String(), "/")}, nil
}

// Publish sends one version of an item: POST {base}/answers with
// Idempotency-Key "<id>-<version>". Classification as for SMSGateway.Send;
// an invalid item is Permanent.
func (p *Portal) Publish(ctx context.Context, it PortalItem) error {
	if err := it.validate(); err != nil {
		return MarkPermanent(fmt.Errorf("portal publish %s: %w", it.ID, err))
	}
	return p.ep.do(ctx, "portal publish "+it.IdempotencyKey(), http.MethodPost,
		p.base+"/answers", it.IdempotencyKey(), it)
}

// Withdraw removes an item: DELETE {base}/answers/{id}. A 404 counts as done
// (already gone, or a repeat of a delete that went through).
func (p *Portal) Withdraw(ctx context.Context, id string) error {
	if id == "" {
		return MarkPermanent(fmt.Errorf("portal withdraw: id: %w", errEmpty))
	}
	return p.ep.do(ctx, "portal withdraw "+id, http.MethodDelete,
		p.base+"/answers/"+url.PathEscape(id), "", nil, http.StatusNotFound)
}
