package app_test

import (
	"strings"

	"pakn/models"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func testenvDefaultInput() models.SubmitInput {
	return models.SubmitInput{Area: "BEN-LUC", Category: "dat-dai"}
}
