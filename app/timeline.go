package app

import (
	"strconv"
	"time"

	"pakn/models"
	"pakn/models/workdays"
)

// officialEvent is one line of an official's timeline as people read it.
type officialEvent struct {
	At     time.Time
	Text   string // the event as a sentence
	Actor  string
	Change string // "from → to" in words, when something changed
	Note   string
	Public bool
}

// officialTimeline turns a petition's audit events into what an official
// reads: each event as a sentence, values in words, no "change" that
// changed nothing, and reads of the petitioner's details (every one of
// which stays in the audit log) at most once per official and day.
func (s *Server) officialTimeline(lang string, events []models.Event) []officialEvent {
	type viewKey struct{ actor, day string }
	first := map[viewKey]int{} // the day's first read: its index in out
	reads := map[int]int{}     // reads folded into the entry at an index
	out := make([]officialEvent, 0, len(events))
	for _, ev := range events {
		if ev.FromValue != "" && ev.FromValue == ev.ToValue {
			continue
		}
		if ev.Type == "details_viewed" {
			actor := ev.ActorName
			if ev.ActorID != nil {
				actor = strconv.FormatInt(*ev.ActorID, 10)
			}
			k := viewKey{actor, ev.At.In(workdays.VietnamLocation()).Format("2006-01-02")}
			if i, seen := first[k]; seen {
				reads[i]++
				continue
			}
			first[k] = len(out)
			reads[len(out)] = 1
		}
		e := officialEvent{At: ev.At, Actor: ev.ActorName, Note: s.auditValue(lang, ev.Note), Public: ev.Public,
			Text: s.cat.T(lang, "event."+ev.Type)}
		switch {
		case ev.FromValue != "" && ev.ToValue != "":
			e.Change = s.auditValue(lang, ev.FromValue) + " → " + s.auditValue(lang, ev.ToValue)
		case ev.ToValue != "":
			e.Change = s.auditValue(lang, ev.ToValue)
		}
		out = append(out, e)
	}
	for i, n := range reads {
		if n > 1 {
			out[i].Note = s.cat.T(lang, "timeline.reads", "n", n)
		}
	}
	return out
}
