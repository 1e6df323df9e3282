package app

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// The outbox as an administrator reads it: to whom (masked), what (the
// message's subject), its state and error in the page's language, and the
// next attempt only where one will happen.

type outboxView struct {
	models.OutboxMessage
	To, Subject, Error string
	Next               *time.Time
	CanRetry           bool
}

// outboxErrors are the reasons PAKN itself writes, in words.
var outboxErrors = map[string]string{
	"PAKN_SMTP_URL is not set": "outbox.err.no_smtp",
	"PAKN_SMS_URL is not set":  "outbox.err.no_sms",
}

func (s *Server) outboxViews(c *fiber.Ctx, rows []models.OutboxMessage) []outboxView {
	out := make([]outboxView, len(rows))
	for i, m := range rows {
		v := outboxView{OutboxMessage: m, To: maskContact(m.Recipient), Subject: s.outboxSubject(c, m.Channel, m.Template, m.Data), Error: m.LastError}
		if key, ok := outboxErrors[m.LastError]; ok {
			v.Error = s.t(c, key)
		}
		if m.Status == models.OutboxPending {
			next := m.NextAttemptAt
			v.Next = &next
		}
		v.CanRetry = (m.Status == models.OutboxFailed || m.Status == models.OutboxUndeliverable) && (m.Channel == models.OutboxPortal || m.Recipient != "")
		out[i] = v
	}
	return out
}

// outboxSubject is what a row says: the e-mail's subject in the page's
// language, or the published item a portal push carries.
func (s *Server) outboxSubject(c *fiber.Ctx, channel, template, data string) string {
	if channel == models.OutboxPortal {
		return s.t(c, "outbox.portal_item", "item", data)
	}
	var d map[string]any
	_ = json.Unmarshal([]byte(data), &d) // sealed or erased data: the subject without it
	param := func(k string) string {
		if v, ok := d[k].(string); ok && v != "" {
			return v
		}
		return "…"
	}
	stage := param("stage")
	if stage != "…" {
		stage = s.t(c, "mail.stage."+stage)
	}
	key := "mail." + template + ".subject"
	if !s.cat.Has(key) {
		return template
	}
	subj := s.t(c, key, "code", param("code"), "stage", stage, "original", param("original"),
		"date", param("date"), "unit_code", param("unit_code"))
	return strings.TrimPrefix(subj, "[PAKN] ")
}

// outboxTemplateLabel names a template in the filter: its subject.
func (s *Server) outboxTemplateLabel(c *fiber.Ctx, template string) string {
	return s.outboxSubject(c, models.OutboxEmail, template, "")
}

// maskContact shows enough of an address to recognise it, not to use it:
// "a***@example.vn", "090****567".
func maskContact(v string) string {
	if v == "" {
		return ""
	}
	if local, domain, ok := strings.Cut(v, "@"); ok {
		r, _ := utf8.DecodeRuneInString(local)
		return string(r) + "***@" + domain
	}
	digits := []rune(v)
	if len(digits) <= 6 {
		return strings.Repeat("*", len(digits))
	}
	return string(digits[:3]) + strings.Repeat("*", len(digits)-6) + string(digits[len(digits)-3:])
}
