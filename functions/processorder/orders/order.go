package orders

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Request limits.
const (
	maxBodyBytes     = 64 << 10 // after base64 decoding
	maxCustomerIDLen = 64       // characters
	maxSKULen        = 64       // characters
	minItems         = 1
	maxItems         = 100
	minQuantity      = 1
	maxQuantity      = 1000
	maxEchoedNameLen = 64 // longest client-supplied field name echoed back
)

const statusPending = "PENDING"

// signatureContext separates this signature scheme from any other use of
// the same key and versions the canonical encoding.
const signatureContext = "groundwork/processorder/order/v1\n"

// DynamoDB attribute names.
const (
	attrID         = "id"
	attrCustomerID = "customerId"
	attrItems      = "items"
	attrSKU        = "sku"
	attrQuantity   = "quantity"
	attrCurrency   = "currency"
	attrStatus     = "status"
	attrCreatedAt  = "createdAt"
	attrSignature  = "signature"
)

// createOrderRequest is the POST /orders body. CustomerID is optional: the
// order's owner is always the authenticated caller, and a customerId that
// is present must name that caller (see Handler.createOrder). Absent and
// JSON null both leave it nil.
type createOrderRequest struct {
	CustomerID *string     `json:"customerId"`
	Items      []orderItem `json:"items"`
	Currency   string      `json:"currency"`
}

type orderItem struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// order is a stored order as returned by GET /orders/{id}. CustomerID is
// the owner: the JWT subject of the caller that created it. The field order
// also defines the canonical encoding that is signed (see canonicalOrder);
// do not reorder.
type order struct {
	ID         string      `json:"id"`
	CustomerID string      `json:"customerId"`
	Items      []orderItem `json:"items"`
	Currency   string      `json:"currency"`
	Status     string      `json:"status"`
	CreatedAt  string      `json:"createdAt"`
}

type createOrderResponse struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// requestBody returns the raw request body, decoding base64 if API Gateway
// marked it as encoded, and enforces the size limit.
func requestBody(req events.APIGatewayV2HTTPRequest) ([]byte, *badRequest) {
	tooLarge := &badRequest{
		Message: msgBodyTooLarge,
		Details: []fieldError{{Field: "body", Message: fmt.Sprintf("must be at most %d bytes", maxBodyBytes)}},
	}
	var body []byte
	if req.IsBase64Encoded {
		// Reject before decoding so an oversized payload is never buffered twice.
		if len(req.Body) > base64.StdEncoding.EncodedLen(maxBodyBytes) {
			return nil, tooLarge
		}
		b, err := base64.StdEncoding.DecodeString(req.Body)
		if err != nil {
			return nil, &badRequest{
				Message: msgInvalidRequest,
				Details: []fieldError{{Field: "body", Message: "is marked base64-encoded but is not valid base64"}},
			}
		}
		body = b
	} else {
		body = []byte(req.Body)
	}
	if len(body) > maxBodyBytes {
		return nil, tooLarge
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &badRequest{
			Message: msgInvalidRequest,
			Details: []fieldError{{Field: "body", Message: "is required"}},
		}
	}
	return body, nil
}

// decodeCreateOrder parses and validates a POST /orders body.
func decodeCreateOrder(body []byte) (createOrderRequest, *badRequest) {
	var in createOrderRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, &badRequest{Message: msgInvalidJSON, Details: []fieldError{jsonFieldError(err)}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return in, &badRequest{
			Message: msgInvalidJSON,
			Details: []fieldError{{Field: "body", Message: "must contain a single JSON object"}},
		}
	}
	if details := in.validate(); len(details) > 0 {
		return in, &badRequest{Message: msgValidation, Details: details}
	}
	return in, nil
}

// jsonFieldError converts an encoding/json error into a client-facing field
// error without echoing request content other than field names.
func jsonFieldError(err error) fieldError {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return fieldError{Field: "body", Message: fmt.Sprintf("malformed JSON at byte offset %d", syntaxErr.Offset)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fieldError{Field: "body", Message: "malformed JSON: unexpected end of input"}
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fieldError{Field: "body", Message: "must be a JSON object"}
		}
		return fieldError{Field: typeErr.Field, Message: "must be " + jsonTypeName(typeErr.Type)}
	}
	// encoding/json reports unknown fields only through the message text.
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		name = strings.TrimSuffix(name, `"`)
		if utf8.RuneCountInString(name) > maxEchoedNameLen {
			name = string([]rune(name)[:maxEchoedNameLen]) + "…"
		}
		return fieldError{Field: name, Message: "unknown field"}
	}
	return fieldError{Field: "body", Message: "malformed JSON"}
}

func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "of a different type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	default:
		return "of a different type"
	}
}

// validate returns one fieldError per invalid field, in a stable order.
func (r createOrderRequest) validate() []fieldError {
	var errs []fieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, fieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	if r.CustomerID != nil {
		if msg := checkText(*r.CustomerID, maxCustomerIDLen); msg != "" {
			add("customerId", "%s", msg)
		}
	}

	switch n := len(r.Items); {
	case n < minItems:
		add("items", "must contain at least %d item", minItems)
	case n > maxItems:
		// Per-item checks are skipped so the response stays bounded.
		add("items", "must contain at most %d items", maxItems)
	default:
		for i, it := range r.Items {
			if msg := checkText(it.SKU, maxSKULen); msg != "" {
				add(fmt.Sprintf("items[%d].sku", i), "%s", msg)
			}
			if it.Quantity < minQuantity || it.Quantity > maxQuantity {
				add(fmt.Sprintf("items[%d].quantity", i), "must be an integer between %d and %d", minQuantity, maxQuantity)
			}
		}
	}

	if !isCurrencyCode(r.Currency) {
		add("currency", "must be a 3-letter upper-case ISO 4217 currency code")
	}
	return errs
}

// checkText validates a required, length-limited, printable string and
// returns a problem description or "".
func checkText(s string, maxLen int) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "is required"
	case utf8.RuneCountInString(s) > maxLen:
		return fmt.Sprintf("must be at most %d characters", maxLen)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// errSignatureMismatch reports that a stored order's signature attribute
// does not match its content under the current key.
var errSignatureMismatch = errors.New("signature does not match the stored order")

// canonicalOrder is the one canonical encoding of an order that is signed
// (POST) and verified (GET): the JSON encoding of the order struct, fields
// in declaration order, no insignificant whitespace.
func canonicalOrder(o order) ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encoding order for signing: %w", err)
	}
	return b, nil
}

// mac returns the HMAC-SHA256 of the order's canonical encoding, prefixed
// with signatureContext. Both signing and verification go through it.
func (o order) mac(key signingKey) ([]byte, error) {
	if len(key) == 0 {
		return nil, errors.New("empty signing key")
	}
	canonical, err := canonicalOrder(o)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signatureContext))
	m.Write(canonical)
	return m.Sum(nil), nil
}

// signature returns the lower-case hex HMAC-SHA256 of the order's canonical
// encoding, as stored in the "signature" attribute.
func (o order) signature(key signingKey) (string, error) {
	sum, err := o.mac(key)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum), nil
}

// verifySignature checks a stored hex signature against the order in
// constant time. It returns nil if they match, errSignatureMismatch (possibly
// wrapped) if they do not, and another error if the check could not be
// made. Error messages never contain the signature or the key.
func (o order) verifySignature(key signingKey, stored string) error {
	want, err := o.mac(key)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(stored)
	if err != nil || len(got) != len(want) {
		return fmt.Errorf("%w: stored signature is not a %d-byte hex string", errSignatureMismatch, len(want))
	}
	if !hmac.Equal(got, want) {
		return errSignatureMismatch
	}
	return nil
}

// attributes returns the DynamoDB item for the order.
func (o order) attributes(signature string) map[string]types.AttributeValue {
	items := make([]types.AttributeValue, len(o.Items))
	for i, it := range o.Items {
		items[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			attrSKU:      &types.AttributeValueMemberS{Value: it.SKU},
			attrQuantity: &types.AttributeValueMemberN{Value: strconv.Itoa(it.Quantity)},
		}}
	}
	return map[string]types.AttributeValue{
		attrID:         &types.AttributeValueMemberS{Value: o.ID},
		attrCustomerID: &types.AttributeValueMemberS{Value: o.CustomerID},
		attrItems:      &types.AttributeValueMemberL{Value: items},
		attrCurrency:   &types.AttributeValueMemberS{Value: o.Currency},
		attrStatus:     &types.AttributeValueMemberS{Value: o.Status},
		attrCreatedAt:  &types.AttributeValueMemberS{Value: o.CreatedAt},
		attrSignature:  &types.AttributeValueMemberS{Value: signature},
	}
}

// storedSignature returns the item's signature attribute.
func storedSignature(item map[string]types.AttributeValue) (string, bool) {
	v, ok := item[attrSignature].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return v.Value, true
}

// storedOwner returns the item's customerId attribute, the order's owner.
func storedOwner(item map[string]types.AttributeValue) (string, bool) {
	v, ok := item[attrCustomerID].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return v.Value, true
}

// orderFromAttributes decodes a stored item. The signature attribute is
// intentionally not part of the result (see storedSignature).
func orderFromAttributes(item map[string]types.AttributeValue) (order, error) {
	var o order
	var errs []error
	str := func(name string) string {
		v, ok := item[name].(*types.AttributeValueMemberS)
		if !ok {
			errs = append(errs, fmt.Errorf("attribute %q missing or not a string", name))
			return ""
		}
		return v.Value
	}
	o.ID = str(attrID)
	o.CustomerID = str(attrCustomerID)
	o.Currency = str(attrCurrency)
	o.Status = str(attrStatus)
	o.CreatedAt = str(attrCreatedAt)

	list, ok := item[attrItems].(*types.AttributeValueMemberL)
	if !ok {
		errs = append(errs, fmt.Errorf("attribute %q missing or not a list", attrItems))
	} else {
		o.Items = make([]orderItem, 0, len(list.Value))
		for i, av := range list.Value {
			it, err := orderItemFromAttribute(av)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s[%d]: %w", attrItems, i, err))
				continue
			}
			o.Items = append(o.Items, it)
		}
	}
	return o, errors.Join(errs...)
}

func orderItemFromAttribute(av types.AttributeValue) (orderItem, error) {
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return orderItem{}, errors.New("not a map")
	}
	sku, ok := m.Value[attrSKU].(*types.AttributeValueMemberS)
	if !ok {
		return orderItem{}, fmt.Errorf("attribute %q missing or not a string", attrSKU)
	}
	qty, ok := m.Value[attrQuantity].(*types.AttributeValueMemberN)
	if !ok {
		return orderItem{}, fmt.Errorf("attribute %q missing or not a number", attrQuantity)
	}
	n, err := strconv.Atoi(qty.Value)
	if err != nil {
		return orderItem{}, fmt.Errorf("attribute %q is not an integer", attrQuantity)
	}
	return orderItem{SKU: sku.Value, Quantity: n}, nil
}

// newOrderID returns a random RFC 9562 version 4 UUID in canonical
// lower-case form.
func newOrderID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	b[6] = (b[6] & 0x0f) | 0x40 // version 4
	b[8] = (b[8] & 0x3f) | 0x80 // variant 10
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:]), nil
}

// validOrderID reports whether s has the canonical lower-case UUID form
// produced by newOrderID.
func validOrderID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}
