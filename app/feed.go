package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/feeds"

	"pakn/models"
)

// feedSize is how many items the feed carries.
const feedSize = 50

// atomCategory is Atom's <category term label/>: gorilla/feeds writes a
// category as element text, which Atom does not allow, so entries add it.
type atomCategory struct {
	XMLName xml.Name `xml:"category"`
	Term    string   `xml:"term,attr"`
	Label   string   `xml:"label,attr,omitempty"`
}

type atomEntry struct {
	*feeds.AtomEntry
	Categories []atomCategory
}

type atomFeed struct {
	XMLName  xml.Name `xml:"feed"`
	Xmlns    string   `xml:"xmlns,attr"`
	Title    string   `xml:"title"`
	ID       string   `xml:"id"`
	Updated  string   `xml:"updated"`
	Subtitle string   `xml:"subtitle,omitempty"`
	Links    []feeds.AtomLink
	Author   *feeds.AtomAuthor
	Entries  []atomEntry
}

// answersFeed is /feeds/answers.atom: the newest published items (FAQ
// entries and published answers), public fields only, ?category=<code>.
func (s *Server) answersFeed(c *fiber.Ctx) error {
	ctx := c.UserContext()
	category := strings.Clone(c.Query("category"))
	lang := langOf(c)
	state, err := s.Store.PublishedFeedState(ctx, category)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s|%s|%d|%d", category, lang, state.Count, state.LastModified.UnixNano()))
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	if !state.LastModified.IsZero() {
		c.Set(fiber.HeaderLastModified, state.LastModified.Format(http.TimeFormat))
	}
	if notModified(c, etag, state.LastModified) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	items, err := s.Store.LatestPublished(ctx, models.LatestFilter{Category: category, Limit: feedSize})
	if err != nil {
		return err
	}
	self := s.Config.BaseURL + "/feeds/answers.atom"
	if category != "" {
		self += "?category=" + url.QueryEscape(category)
	}
	f := &feeds.Feed{
		Title:       s.t(c, "feed.title") + " · " + s.Config.Province,
		Link:        &feeds.Link{Href: s.Config.BaseURL + "/", Rel: "alternate"},
		Description: s.t(c, "feed.subtitle"),
		Author:      &feeds.Author{Name: s.Config.Province},
		Id:          self,
		Updated:     state.LastModified,
	}
	if f.Updated.IsZero() {
		f.Updated = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for i := range items {
		it := &items[i]
		link := s.Config.BaseURL + "/qa/" + url.PathEscape(it.ID)
		f.Items = append(f.Items, &feeds.Item{
			Id:      link,
			Title:   it.Title,
			Link:    &feeds.Link{Href: link, Rel: "alternate", Type: "text/html"},
			Author:  &feeds.Author{Name: it.UnitName},
			Content: s.feedContent(c, it),
			Created: it.PublishedAt,
			Updated: it.UpdatedAt,
		})
	}
	af := (&feeds.Atom{Feed: f}).AtomFeed()
	out := atomFeed{
		Xmlns: af.Xmlns, Title: af.Title, ID: self, Updated: af.Updated, Subtitle: af.Subtitle,
		Links: []feeds.AtomLink{
			{Href: s.Config.BaseURL + "/", Rel: "alternate", Type: "text/html"},
			{Href: self, Rel: "self", Type: "application/atom+xml"},
		},
		Author: af.Author,
	}
	for i, e := range af.Entries {
		e.Links = []feeds.AtomLink{{Href: e.Id, Rel: "alternate", Type: "text/html"}}
		e.Published = items[i].PublishedAt.UTC().Format(time.RFC3339)
		ae := atomEntry{AtomEntry: e}
		if code := items[i].CategoryCode; code != "" {
			ae.Categories = []atomCategory{{Term: code, Label: items[i].CategoryName}}
		}
		out.Entries = append(out.Entries, ae)
	}
	body, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	c.Type("atom", "utf-8")
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	return c.Send(append([]byte(xml.Header), body...))
}

// feedContent is the public question and answer as HTML.
func (s *Server) feedContent(c *fiber.Ctx, it *models.PublishedItem) string {
	var b strings.Builder
	b.WriteString("<h3>" + template.HTMLEscapeString(s.t(c, "feed.question")) + "</h3>")
	b.WriteString(string(paragraphs(it.Question)))
	b.WriteString("<h3>" + template.HTMLEscapeString(s.t(c, "feed.answer")) + "</h3>")
	b.WriteString(string(paragraphs(it.Answer)))
	if it.UnitName != "" {
		b.WriteString("<p><small>" + template.HTMLEscapeString(it.UnitName) + "</small></p>")
	}
	return b.String()
}

// notModified answers a conditional GET: If-None-Match wins over
// If-Modified-Since (RFC 9110, 13.2.2).
func notModified(c *fiber.Ctx, etag string, last time.Time) bool {
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims := c.Get(fiber.HeaderIfModifiedSince); ims != "" && !last.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !last.Truncate(time.Second).After(t) {
			return true
		}
	}
	return false
}
