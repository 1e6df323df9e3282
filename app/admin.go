package app

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// renderAdmin writes an officials' page inside the admin layout.
func (s *Server) renderAdmin(c *fiber.Ctx, status int, name, title string, data fiber.Map) error {
	c.Status(status)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	data = s.page(c, title, data)
	if _, ok := data["AdminNav"]; !ok {
		data["AdminNav"] = s.adminNav(currentUser(c))
	}
	return c.Render(name, data, "admin_layout")
}

// adminNav lists the pages of the admin header a role may open.
func (s *Server) adminNav(u *models.User) []navLink {
	if u == nil {
		return nil
	}
	var out []navLink
	switch u.Role {
	case models.RoleClerk, models.RoleCoordinator:
		out = append(out, navLink{"/admin/submit", "wf.nav.submit"})
	case models.RoleAdmin:
		out = append(out,
			navLink{"/admin/units", "cfg.nav.units"},
			navLink{"/admin/areas", "cfg.nav.areas"},
			navLink{"/admin/categories", "cfg.nav.categories"},
			navLink{"/admin/rules", "cfg.nav.rules"},
			navLink{"/admin/procedures", "proc.nav"},
			navLink{"/admin/holidays", "cfg.nav.holidays"},
			navLink{"/admin/policies", "policies.heading"},
			navLink{"/admin/users", "cfg.nav.users"},
			navLink{"/admin/keys", "keys.heading"},
			navLink{"/admin/outbox", "outbox.heading"},
		)
	}
	v := models.ViewerOf(u)
	if models.FAQMayUse(v) {
		out = append(out, navLink{"/admin/faq", "nav.admin_faq"})
	}
	if v.SeesAllUnits() {
		out = append(out, navLink{"/admin/synonyms", "nav.admin_synonyms"})
	}
	if u.Role == models.RoleAdmin || u.Role == models.RoleCoordinator {
		out = append(out, navLink{"/admin/embed", "nav.admin_embed"})
	}
	if u.Role != models.RoleClerk {
		out = append(out, navLink{"/admin/stats.xlsx", "stats.xlsx"})
	}
	return append(out, navLink{"/admin/account", "account.nav"})
}

// inboxStates are the states the inbox counts and filters by.
var inboxStates = []string{models.StatusReceived, models.StatusAccepted, models.StatusAwaitingInfo, models.StatusDrafted,
	models.StatusAnswered, models.StatusPublished, models.StatusRejected, models.StatusDuplicate, models.StatusWithdrawn, models.StatusClosed}

func (s *Server) adminInbox(c *fiber.Ctx) error {
	u := currentUser(c)
	q := func(k string) string { return strings.Clone(c.Query(k)) }
	f := models.InboxFilter{
		Status: q("status"), Category: q("category"), Area: q("area"), Deadline: q("deadline"),
		Mine: q("mine") != "", Flagged: q("flagged") != "", Query: q("q"), Page: c.QueryInt("page", 1),
		Procedure: q("procedure"),
	}
	ctx := c.UserContext()
	page, err := s.Store.Inbox(ctx, models.ViewerOf(u), f)
	if err != nil {
		return err
	}
	cats, err := s.Store.ListCategories(ctx)
	if err != nil {
		return err
	}
	areas, err := s.Store.ListAreas(ctx)
	if err != nil {
		return err
	}
	// Links keep the other filters when one changes.
	link := func(key, val string) string {
		vals := c.Request().URI().QueryArgs()
		var b strings.Builder
		b.WriteString("/admin?")
		first := true
		vals.VisitAll(func(k, v []byte) {
			ks := string(k)
			if ks == key || ks == "page" || ks == "lang" {
				return
			}
			if !first {
				b.WriteString("&")
			}
			first = false
			b.WriteString(url.QueryEscape(ks) + "=" + url.QueryEscape(string(v)))
		})
		if val != "" {
			if !first {
				b.WriteString("&")
			}
			b.WriteString(url.QueryEscape(key) + "=" + url.QueryEscape(val))
		}
		return b.String()
	}
	pages := pageWindow(page.Page, page.Pages)
	return s.renderAdmin(c, fiber.StatusOK, "admin_inbox", s.t(c, "admin.inbox"), fiber.Map{
		"Inbox": page, "Filter": f, "Deadlines": []string{models.DeadlineOnTime, models.DeadlineSoon, models.DeadlineOverdue}, "States": inboxStates, "Categories": cats, "Areas": areas,
		"Link": link, "Pages": pages, "StatusLink": func(st string) string { return link("status", st) },
		"PageLink":    func(n int) string { return link("page", itoa(n)) },
		"Transferred": models.NormalizeCode(strings.Clone(c.Query("transferred"))),
	})
}

// pageWindow lists the page links of a pager: the first and the last page
// and two either side of the current one, with 0 where pages are left out
// (a gap of one page shows that page), so that a province's thousands of
// petitions never make a pager wider than a phone.
func pageWindow(current, total int) []int {
	shown := func(i int) bool {
		near := func(j int) bool { return j >= current-2 && j <= current+2 }
		return i == 1 || i == total || near(i) ||
			i == 2 && near(3) || i == total-1 && near(total-2)
	}
	var out []int
	for i := 1; i <= total; i++ {
		switch {
		case shown(i):
			out = append(out, i)
		case out[len(out)-1] != 0:
			out = append(out, 0)
		}
	}
	return out
}
