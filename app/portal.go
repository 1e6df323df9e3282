package app

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"

	"pakn/models"
	"pakn/models/workdays"
	"pakn/search"
)

// The province's portal shows PAKN inside its own pages: small pages for
// its iframes (/embed/…), the public read-only JSON readable from its
// browsers (CORS), and what search engines need (sitemap, robots.txt).

// embedMaxLatest caps /embed/latest and /api/v1/answers/latest.
const embedMaxLatest = 20

// publicReadAPIs are the JSON answers any page of PAKN_CORS_ORIGINS may read.
var publicReadAPIs = []string{
	"/api/v1/search", "/api/v1/answers/latest", "/api/v1/stats",
	"/api/v1/categories", "/api/v1/units", "/api/v1/areas", "/api/openapi.json",
}

// cors lets the pages of PAKN_CORS_ORIGINS read the public read-only APIs
// (preflight included); nil when no origin is configured.
func (s *Server) cors() fiber.Handler {
	if len(s.Config.CORSOrigins) == 0 {
		return nil
	}
	return cors.New(cors.Config{
		AllowOrigins: strings.Join(s.Config.CORSOrigins, ","),
		AllowMethods: "GET,HEAD",
		AllowHeaders: "Accept,Accept-Language",
		MaxAge:       3600,
	})
}

// ValidOrigin tells whether o is an origin (scheme://host[:port]), the form
// CSP's frame-ancestors and CORS compare against.
func ValidOrigin(o string) bool {
	u, err := url.Parse(o)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// renderEmbed writes a page made for an iframe: no site header, links open
// the full site in a new tab.
func (s *Server) renderEmbed(c *fiber.Ctx, name, title string, data fiber.Map) error {
	c.Status(fiber.StatusOK)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Render(name, s.page(c, title, data), "embed_layout")
}

// latestFilter reads ?category=&unit=&limit= (default 5, at most 20).
func latestFilter(c *fiber.Ctx) (models.LatestFilter, string) {
	f := models.LatestFilter{Category: strings.Clone(c.Query("category")), Unit: strings.Clone(c.Query("unit")), Limit: 5, Embeddable: true}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > embedMaxLatest {
			return f, "limit"
		}
		f.Limit = n
	}
	return f, ""
}

func (s *Server) embedLatest(c *fiber.Ctx) error {
	f, bad := latestFilter(c)
	if bad != "" {
		return fiber.NewError(fiber.StatusBadRequest, bad)
	}
	items, err := s.Store.LatestPublished(c.UserContext(), f)
	if err != nil {
		return err
	}
	return s.renderEmbed(c, "embed_latest", s.t(c, "embed.latest.title"), fiber.Map{"Items": items, "Filter": f})
}

func (s *Server) embedSearch(c *fiber.Ctx) error {
	q, _ := searchQuery(c)
	q.Page, q.PerPage = 1, search.DefaultPerPage
	data := fiber.Map{"Q": q.Text}
	more := "/search"
	if strings.TrimSpace(q.Text) != "" {
		more += "?q=" + url.QueryEscape(q.Text)
		res, err := s.runSearch(c, q)
		if err != nil {
			return err
		}
		hits, err := s.embeddableHits(c, res.Hits)
		if err != nil {
			return err
		}
		cats, units := s.searchNames.get(c.UserContext(), s.Store)
		data["Hits"] = s.hitViews(hits, cats, units)
		data["Searched"] = true
		data["More"] = res.Total > uint64(len(hits))
	}
	data["MoreURL"] = s.Config.BaseURL + more
	return s.renderEmbed(c, "embed_search", s.t(c, "embed.search.title"), data)
}

// embeddableHits leaves out answers whose consent predates the portals.
func (s *Server) embeddableHits(c *fiber.Ctx, hits []search.Hit) ([]search.Hit, error) {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	hidden, err := s.Store.NoIndexItems(c.UserContext(), ids)
	if err != nil || len(hidden) == 0 {
		return hits, err
	}
	out := hits[:0:0]
	for _, h := range hits {
		if !hidden[h.ID] {
			out = append(out, h)
		}
	}
	return out, nil
}

// apiLatestAnswers is GET /api/v1/answers/latest: the newest published
// items, shaped as search hits.
func (s *Server) apiLatestAnswers(c *fiber.Ctx) error {
	f, bad := latestFilter(c)
	if bad != "" {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"errors": []fiber.Map{{"field": bad, "message": s.t(c, "err.range", "min", 1, "max", embedMaxLatest)}}})
	}
	items, err := s.Store.LatestPublished(c.UserContext(), f)
	if err != nil {
		return err
	}
	hits := make([]apiHit, len(items))
	for i := range items {
		it := &items[i]
		hits[i] = apiHit{
			ID: it.ID, Ref: it.Ref, Type: it.Type, Title: publicTitle(it), Question: it.Question, Answer: it.Answer,
			Category: it.CategoryCode, CategoryName: it.CategoryName, Unit: it.UnitCode, UnitName: it.UnitName, Level: it.Level,
			PublishedAt: it.PublishedAt.In(workdays.VietnamLocation()).Format(time.RFC3339),
			URL:         s.Config.BaseURL + "/qa/" + url.PathEscape(it.ID), Highlights: []string{},
		}
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(fiber.Map{"hits": hits})
}

// publicTitle is what an item is listed as: an answer's title, or the
// start of an FAQ entry's question.
func publicTitle(it *models.PublishedItem) string {
	if it.Type == models.ItemAnswer && it.Title != "" {
		return it.Title
	}
	return models.FirstWords(it.Question, 20)
}

// sitemapMax is the protocol's limit of URLs in one sitemap file.
const sitemapMax = 50_000

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// sitemap is /sitemap.xml: a <urlset> of every indexable published item
// while there are at most 50,000, else a <sitemapindex> of
// /sitemap.xml?page=N.
func (s *Server) sitemap(c *fiber.Ctx) error {
	ctx := c.UserContext()
	n, err := s.Store.CountSitemapItems(ctx)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	pages := int((n + sitemapMax - 1) / sitemapMax)
	page := c.QueryInt("page", 0)
	c.Set(fiber.HeaderContentType, "application/xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	if pages > 1 && page == 0 {
		b.WriteString(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
		for p := 1; p <= pages; p++ {
			writeSitemapEntry(&b, "sitemap", sitemapURL{Loc: fmt.Sprintf("%s/sitemap.xml?page=%d", s.Config.BaseURL, p)})
		}
		b.WriteString("</sitemapindex>\n")
		return c.Send(b.Bytes())
	}
	if page < 1 {
		page = 1
	}
	if page > max(pages, 1) {
		return fiber.ErrNotFound
	}
	b.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	err = s.Store.EachSitemapItem(ctx, (page-1)*sitemapMax, sitemapMax, func(id string, updated time.Time) {
		writeSitemapEntry(&b, "url", sitemapURL{Loc: s.Config.BaseURL + "/qa/" + url.PathEscape(id), LastMod: updated.In(workdays.VietnamLocation()).Format(time.RFC3339)})
	})
	if err != nil {
		return err
	}
	b.WriteString("</urlset>\n")
	return c.Send(b.Bytes())
}

func writeSitemapEntry(b *bytes.Buffer, elem string, u sitemapURL) {
	b.WriteString("<" + elem + "><loc>")
	_ = xml.EscapeText(b, []byte(u.Loc))
	b.WriteString("</loc>")
	if u.LastMod != "" {
		b.WriteString("<lastmod>" + u.LastMod + "</lastmod>")
	}
	b.WriteString("</" + elem + ">\n")
}

// robots is /robots.txt: public pages may be crawled; officials' pages,
// tracking, accounts and the embedded copies may not.
func (s *Server) robots(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.SendString("User-agent: *\nAllow: /\nDisallow: /admin\nDisallow: /track\nDisallow: /account\nDisallow: /embed/\nDisallow: /api/\n\nSitemap: " + s.Config.BaseURL + "/sitemap.xml\n")
}

// adminEmbed is /admin/embed: the snippet the portal's webmaster copies,
// with a live preview.
func (s *Server) adminEmbed(c *fiber.Ctx) error {
	f, bad := latestFilter(c)
	if bad != "" {
		f.Limit = 5
	}
	cats, err := s.Store.ListCategories(c.UserContext())
	if err != nil {
		return err
	}
	units, err := s.Store.ListUnits(c.UserContext())
	if err != nil {
		return err
	}
	v := url.Values{}
	if f.Category != "" {
		v.Set("category", f.Category)
	}
	if f.Unit != "" {
		v.Set("unit", f.Unit)
	}
	v.Set("limit", strconv.Itoa(f.Limit))
	latest := "/embed/latest?" + v.Encode()
	lang := langOf(c)
	snippet := func(path, title string, height int) string {
		return fmt.Sprintf(`<iframe src="%s%s" title="%s" width="100%%" height="%d" loading="lazy" style="border:0"></iframe>`,
			s.Config.BaseURL, template.HTMLEscapeString(path), template.HTMLEscapeString(title), height)
	}
	return s.renderAdmin(c, fiber.StatusOK, "admin_embed", s.t(c, "embed.admin.heading"), fiber.Map{
		"Filter": f, "Categories": cats, "Units": units, "LatestPath": latest, "SearchPath": "/embed/search",
		"LatestSnippet":  snippet(latest, s.cat.T(lang, "embed.latest.title"), 520),
		"SearchSnippet":  snippet("/embed/search", s.cat.T(lang, "embed.search.title"), 640),
		"FrameAncestors": s.Config.FrameAncestors, "CORSOrigins": s.Config.CORSOrigins,
	})
}
