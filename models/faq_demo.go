package models

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
)

// The demo FAQ entries were written for PAKN (not taken from any corpus).
//
//go:embed seed/faq-demo.jsonl
var seedFAQ []byte

// seedDemoFAQ loads the demo FAQ entries, published. Ids that exist are
// left alone, so an official's edits survive a second seeding.
func (s *Store) seedDemoFAQ(ctx context.Context) error {
	res, err := s.ImportFAQ(ctx, bytes.NewReader(seedFAQ), FAQFormatJSONL, FAQImportOptions{
		Actor: Viewer{Role: RoleAdmin, Name: "seed-demo"}, OnlyNew: true})
	if err != nil {
		return fmt.Errorf("seed demo faq: %w", err)
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("seed demo faq: %s", res.Errors[0])
	}
	return nil
}
