package models

import "pakn/models/faqfile"

// faqLimitError is the whole file's error for a limit it breaks (a file
// beyond any of faqfile's limits is refused whole, with a message that names
// the limit, and nothing is imported).
func faqLimitError(line int, lim *faqfile.Limit) FAQRowError {
	return FAQRowError{Line: line, Key: lim.Key, Params: map[string]any{"max": lim.Max, "detail": lim.Detail()}}
}
