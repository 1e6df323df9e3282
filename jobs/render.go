package jobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"pakn/jobs/delivery"
	"pakn/models"
	"pakn/models/workdays"
	"pakn/views"
)

// Rendered is one notice in every form a transport needs.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
	SMS     string
}

// Renderer turns an outbox row (template name and JSON data) into mail and
// SMS text. The words come from the message catalog (keys mail.<template>.*
// and sms.<template>), in the petition's language; the layout is
// views/mail/notice.{txt,html}.
type Renderer struct {
	cat     *views.Catalog
	text    *texttemplate.Template
	html    *htmltemplate.Template
	baseURL string
	// resetBox opens the sealed links of password-reset mail.
	resetBox *models.SecretBox
}

// NewRenderer loads the catalog and the mail layouts.
func NewRenderer(baseURL string) (*Renderer, error) {
	cat, err := views.LoadCatalog()
	if err != nil {
		return nil, err
	}
	txt, err := texttemplate.ParseFS(views.Mail(), "notice.txt")
	if err != nil {
		return nil, fmt.Errorf("mail layout: %w", err)
	}
	htm, err := htmltemplate.ParseFS(views.Mail(), "notice.html")
	if err != nil {
		return nil, fmt.Errorf("mail layout: %w", err)
	}
	return &Renderer{cat: cat, text: txt, html: htm, baseURL: strings.TrimRight(baseURL, "/")}, nil
}

// errUnknownTemplate is a notice no catalog entry exists for: permanent.
var errUnknownTemplate = errors.New("unknown notice template")

type field struct{ Label, Value string }

type block struct {
	Label, Value string
	Lines        []string
}

type listItem struct{ Label, URL string }

type layoutData struct {
	Lang, Brand, Subject, Greeting, Footer string
	Paragraphs                             []string
	Fields                                 []field
	Blocks                                 []block
	ListLabel                              string
	List                                   []listItem
	Link, LinkLabel, LinkText              string
}

// Render renders the outbox template with its data.
func (r *Renderer) Render(template string, raw string) (Rendered, error) {
	data := map[string]any{}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &data); err != nil {
			return Rendered{}, delivery.MarkPermanent(fmt.Errorf("notice data: %w", err))
		}
	}
	if !r.cat.Has("mail." + template + ".subject") {
		return Rendered{}, delivery.MarkPermanent(fmt.Errorf("%w %q", errUnknownTemplate, template))
	}
	lang := str(data["lang"])
	if lang != "en" {
		lang = "vi"
	}
	official := strings.HasPrefix(template, "official_")
	code := str(data["code"])

	var link, linkLabel, linkText string
	switch {
	case template == models.ResetTemplate:
		if r.resetBox == nil {
			return Rendered{}, delivery.MarkPermanent(errors.New("reset mail: no PAKN_SECRET to open the link"))
		}
		opened, err := r.resetBox.Open(str(data["sealed_link"]))
		if err != nil {
			return Rendered{}, delivery.MarkPermanent(fmt.Errorf("reset mail: %w", err))
		}
		link = opened
		linkLabel, linkText = r.cat.T(lang, "mail.link.reset"), r.cat.T(lang, "mail.link.reset.button")
	case template == "official_digest":
		link = r.baseURL + "/admin"
		linkLabel, linkText = r.cat.T(lang, "mail.link.inbox"), r.cat.T(lang, "mail.link.inbox.button")
	case official:
		link = r.baseURL + "/admin/petitions/" + url.PathEscape(code)
		linkLabel, linkText = r.cat.T(lang, "mail.link.admin"), r.cat.T(lang, "mail.link.admin.button")
	default:
		link = r.baseURL + "/track?code=" + url.QueryEscape(code)
		linkLabel, linkText = r.cat.T(lang, "mail.link.track"), r.cat.T(lang, "mail.link.track.button")
	}

	stage := ""
	if s := str(data["stage"]); s != "" {
		stage = r.cat.T(lang, "mail.stage."+s)
	}
	params := []any{
		"code", code, "title", str(data["title"]), "name", str(data["name"]),
		"unit", str(data["unit"]), "unit_code", str(data["unit_code"]), "stage", stage,
		"days_overdue", str(data["days_overdue"]), "open", str(data["open"]),
		"due_soon", str(data["due_soon"]), "overdue", str(data["overdue"]),
		"date", formatDate(str(data["date"])), "link", link,
		"original", str(data["original"]), "secret", str(data["secret"]),
		"expires", formatDateTime(str(data["expires_at"])),
	}
	out := Rendered{
		Subject: r.cat.T(lang, "mail."+template+".subject", params...),
		SMS:     r.cat.T(lang, "sms."+template, params...),
	}
	if out.SMS == "sms."+template {
		out.SMS = "" // officials' notices go by e-mail only
	}

	greeting := "mail.greeting"
	if official {
		greeting = "mail.greeting.official"
	}
	d := layoutData{
		Lang: lang, Brand: r.cat.T(lang, "mail.brand"), Subject: out.Subject,
		Greeting:   r.cat.T(lang, greeting, params...),
		Footer:     r.cat.T(lang, "mail.footer"),
		Paragraphs: splitParagraphs(r.cat.T(lang, "mail."+template+".body", params...)),
		Link:       link, LinkLabel: linkLabel, LinkText: linkText,
	}
	add := func(key, value string) {
		if value != "" {
			d.Fields = append(d.Fields, field{r.cat.T(lang, "mail.label."+key), value})
		}
	}
	if template == models.ResetTemplate {
		add("expires", formatDateTime(str(data["expires_at"])))
	} else if template == "official_digest" {
		add("unit", str(data["unit"]))
		add("date", formatDate(str(data["date"])))
		add("open", str(data["open"]))
		add("due_soon", str(data["due_soon"]))
		add("overdue", str(data["overdue"]))
		if codes, ok := data["overdue_codes"].([]any); ok && len(codes) > 0 {
			d.ListLabel = r.cat.T(lang, "mail.list.overdue")
			for _, c := range codes {
				d.List = append(d.List, listItem{Label: str(c), URL: r.baseURL + "/admin/petitions/" + url.PathEscape(str(c))})
			}
		}
	} else {
		add("code", code)
		add("title", str(data["title"]))
		add("from_unit", str(data["from_unit"]))
		add("unit", str(data["unit"]))
		if official {
			add("stage", stage)
		}
		add("due", formatDate(str(data["due_at"])))
		add("info_due", formatDate(str(data["info_due_at"])))
		add("original", str(data["original"]))
		add("secret", str(data["secret"]))
		if official && str(data["kind"]) != models.NoticeDueSoon && str(data["kind"]) != models.NoticeDueToday {
			add("days_overdue", str(data["days_overdue"]))
		}
	}
	// A co-petitioner's notice carries the original's public answer only.
	for _, key := range []string{"reason", "message", "answer", "public_answer"} {
		if v := strings.TrimSpace(str(data[key])); v != "" {
			d.Blocks = append(d.Blocks, block{Label: r.cat.T(lang, "mail.label."+key), Value: v, Lines: strings.Split(v, "\n")})
		}
	}
	var tb, hb bytes.Buffer
	if err := r.text.Execute(&tb, d); err != nil {
		return Rendered{}, fmt.Errorf("render %s text: %w", template, err)
	}
	if err := r.html.Execute(&hb, d); err != nil {
		return Rendered{}, fmt.Errorf("render %s html: %w", template, err)
	}
	out.Text, out.HTML = tb.String(), hb.String()
	return out, nil
}

// str turns a JSON value into text: numbers without a decimal point when
// whole, nil as "".
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprint(x)
	default:
		return fmt.Sprint(x)
	}
}

// formatDate shows an RFC 3339 time or a YYYY-MM-DD date as dd/mm/yyyy in
// Vietnam; anything else as it is.
// formatDateTime writes an RFC 3339 time as hh:mm dd/mm/yyyy in Vietnam.
func formatDateTime(s string) string {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(workdays.VietnamLocation()).Format("15:04 02/01/2006")
	}
	return s
}

func formatDate(s string) string {
	if s == "" {
		return ""
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(workdays.VietnamLocation()).Format("02/01/2006")
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format("02/01/2006")
	}
	return s
}

func splitParagraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// MessageID is the stable Message-ID of the notice with this dedupe key:
// every retry of one notice carries the same one, so a receiver can drop a
// repeat.
func MessageID(dedupeKey, baseURL string) string {
	host := "pakn.local"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	sum := sha256.Sum256([]byte(dedupeKey))
	return "<" + hex.EncodeToString(sum[:])[:24] + "@" + host + ">"
}

// deliveryID is the idempotency key of an SMS.
func deliveryID(dedupeKey string) string {
	sum := sha256.Sum256([]byte(dedupeKey))
	return hex.EncodeToString(sum[:])[:24]
}
