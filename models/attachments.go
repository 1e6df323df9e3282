package models

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Attachment limits (docs/ARCHITECTURE.md): at most 5 files of at most 10 MB each.
const (
	MaxAttachments    = 5
	MaxAttachmentSize = 10 << 20
)

// Attachment sides.
const (
	SideCitizen = "citizen"
	SideReply   = "reply"
)

// Content types accepted, as detected from the bytes.
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// AttachmentBlob is one file's bytes, stored once per content (sha256).
type AttachmentBlob struct {
	SHA256      string `gorm:"primaryKey;size:64"`
	Size        int64  `gorm:"not null"`
	ContentType string `gorm:"size:128;not null"`
	Data        []byte `gorm:"not null"`
	CreatedAt   time.Time
}

// TableName is the content-addressed store.
func (AttachmentBlob) TableName() string { return "attachments_blobs" }

// Attachment links a blob to a petition under the name it was sent with.
type Attachment struct {
	ID           int64  `gorm:"primaryKey"`
	PetitionID   int64  `gorm:"index;not null"`
	SHA256       string `gorm:"size:64;index;not null"`
	Name         string `gorm:"not null"`
	ContentType  string `gorm:"size:128;not null"`
	Size         int64  `gorm:"not null"`
	Side         string `gorm:"size:16;not null"`
	UploadedByID *int64
	CreatedAt    time.Time
}

// AttachmentInput is one uploaded file.
type AttachmentInput struct {
	Name string
	Data []byte
}

// DetectAttachmentType says what a file is by its content; "" when it is
// none of the accepted types. A DOCX is a zip holding word/document.xml.
func DetectAttachmentType(data []byte) string {
	switch ct := http.DetectContentType(data); {
	case ct == TypePDF, ct == TypeJPEG, ct == TypePNG:
		return ct
	case ct == "application/zip" || bytes.HasPrefix(data, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return ""
		}
		hasDoc, hasTypes := false, false
		for _, f := range zr.File {
			switch f.Name {
			case "word/document.xml":
				hasDoc = true
			case "[Content_Types].xml":
				hasTypes = true
			}
		}
		if hasDoc && hasTypes {
			return TypeDOCX
		}
	}
	return ""
}

// ValidateAttachments checks count, size and type, reporting under field.
func ValidateAttachments(files []AttachmentInput, field string, already int) *ValidationError {
	v := &ValidationError{}
	if len(files)+already > MaxAttachments {
		v.Add(field, "err.files_count", map[string]any{"max": MaxAttachments})
		return v
	}
	for _, f := range files {
		switch {
		case len(f.Data) == 0:
			v.Add(field, "err.file_empty", map[string]any{"name": cleanFileName(f.Name)})
		case len(f.Data) > MaxAttachmentSize:
			v.Add(field, "err.file_size", map[string]any{"name": cleanFileName(f.Name), "max": "10 MB"})
		case DetectAttachmentType(f.Data) == "":
			v.Add(field, "err.file_type", map[string]any{"name": cleanFileName(f.Name)})
		}
	}
	return v
}

// attachTx stores files (already validated) on a petition.
func attachTx(tx *gorm.DB, petitionID int64, side string, by *int64, files []AttachmentInput, now time.Time) ([]Attachment, error) {
	var out []Attachment
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		h := hex.EncodeToString(sum[:])
		ct := DetectAttachmentType(f.Data)
		blob := AttachmentBlob{SHA256: h, Size: int64(len(f.Data)), ContentType: ct, Data: f.Data, CreatedAt: now}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&blob).Error; err != nil {
			return nil, fmt.Errorf("store attachment blob: %w", err)
		}
		a := Attachment{PetitionID: petitionID, SHA256: h, Name: cleanFileName(f.Name), ContentType: ct,
			Size: int64(len(f.Data)), Side: side, UploadedByID: by, CreatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return nil, fmt.Errorf("link attachment: %w", err)
		}
		out = append(out, a)
	}
	return out, nil
}

// AttachReply adds the signed reply document (or other files) to a
// petition by an official of its unit.
func (s *Store) AttachReply(ctx context.Context, v Viewer, code string, files []AttachmentInput) error {
	if err := ValidateAttachments(files, "files", 0).Err(); err != nil {
		return err
	}
	_, err := s.act(ctx, v, code, ActAttach, func(a *actionCtx) error {
		var n int64
		if err := a.tx.Model(&Attachment{}).Where("petition_id = ? AND side = ?", a.p.ID, SideReply).Count(&n).Error; err != nil {
			return err
		}
		if err := ValidateAttachments(files, "files", int(n)).Err(); err != nil {
			return err
		}
		list, err := attachTx(a.tx, a.p.ID, SideReply, &v.ID, files, a.now)
		for _, f := range list {
			a.event("attached", "", f.SHA256, f.Name, false)
		}
		return err
	})
	return err
}

// AttachmentFile is a file ready to serve.
type AttachmentFile struct {
	Attachment
	Data []byte
}

// AttachmentForOfficial serves a file of a petition within the viewer's
// scope; outside it, the same ErrNotFound as for no file at all.
func (s *Store) AttachmentForOfficial(ctx context.Context, v Viewer, code string, id int64) (*AttachmentFile, error) {
	var p Petition
	err := scopePetitions(s.DB.WithContext(ctx).Model(&Petition{}), v).Where("petitions.code = ?", NormalizeCode(code)).First(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.attachmentFile(ctx, p.ID, id, "")
}

// AttachmentForCitizen serves a file to the holder of code and secret.
func (s *Store) AttachmentForCitizen(ctx context.Context, code, secret string, id int64) (*AttachmentFile, error) {
	tp, err := s.PetitionForCitizen(ctx, code, secret)
	if err != nil {
		return nil, err
	}
	f, err := s.attachmentFile(ctx, tp.Petition.ID, id, "")
	if err != nil {
		return nil, err
	}
	// The reply becomes the citizen's once the answer is approved.
	if f.Side == SideReply && !tp.Petition.AnswerVisible() {
		return nil, ErrNotFound
	}
	return f, nil
}

func (s *Store) attachmentFile(ctx context.Context, petitionID, id int64, side string) (*AttachmentFile, error) {
	db := s.DB.WithContext(ctx)
	var a Attachment
	q := db.Where("id = ? AND petition_id = ?", id, petitionID)
	if side != "" {
		q = q.Where("side = ?", side)
	}
	err := q.First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var b AttachmentBlob
	if err := db.Where("sha256 = ?", a.SHA256).First(&b).Error; err != nil {
		return nil, fmt.Errorf("attachment blob %s: %w", a.SHA256, err)
	}
	return &AttachmentFile{Attachment: a, Data: b.Data}, nil
}

// CitizenAttachments lists the files a citizen may see.
func (s *Store) CitizenAttachments(ctx context.Context, p *Petition) ([]Attachment, error) {
	var out []Attachment
	q := s.DB.WithContext(ctx).Where("petition_id = ?", p.ID)
	if !p.AnswerVisible() {
		q = q.Where("side = ?", SideCitizen)
	}
	err := q.Order("id").Find(&out).Error
	return out, err
}
