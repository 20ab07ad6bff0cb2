// Package worker is the invoice worker's handler: it reads OrderPlaced events
// that EventBridge delivered to an SQS queue and writes one invoice per order
// to the invoices bucket, at invoices/<owner>/<order id>.json.
//
// Delivery is at least once (the orders table's stream, the pipe, the bus,
// the rule and the queue may each deliver twice), so the write is
// idempotent: PutObject with If-None-Match "*" creates the object only if
// the key is free, and S3's 412 Precondition Failed on a duplicate counts as
// success. The invoice's content is a function of the event alone (no
// clock, no random id), so the first write is the only one that matters.
//
// The handler answers with a partial batch response: a record that fails
// (malformed, foreign, or its write failed) is reported in
// BatchItemFailures and retried alone; after the queue's maxReceiveCount it
// moves to the dead-letter queue, whose depth raises an alarm. A record is
// never dropped silently.
package worker

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The event the orders outbox publishes (stacks/events.go builds it from the
// table's stream with the pipe's input template).
const (
	// Source is the EventBridge source of order events.
	Source = "groundwork.orders"
	// DetailType is the detail-type of a stored order.
	DetailType = "OrderPlaced"
)

// envelope is the EventBridge event as EventBridge writes it into the SQS
// message body.
type envelope struct {
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Detail     json.RawMessage `json:"detail"`
}

// orderPlaced is the event's detail: the stored order, as the pipe's input
// template renders the item's new image. Items stay in DynamoDB's JSON
// encoding (a list of maps of typed values).
type orderPlaced struct {
	OrderID   string            `json:"orderId"`
	Owner     string            `json:"owner"`
	Currency  string            `json:"currency"`
	Status    string            `json:"status"`
	CreatedAt string            `json:"createdAt"`
	Items     []json.RawMessage `json:"items"`
	StreamID  string            `json:"streamEventId"`
}

// ddbItem is one element of the items list: {"M": {"sku": {"S": …},
// "quantity": {"N": …}}}.
type ddbItem struct {
	M struct {
		SKU struct {
			S *string `json:"S"`
		} `json:"sku"`
		Quantity struct {
			N *string `json:"N"`
		} `json:"quantity"`
	} `json:"M"`
}

// Invoice is the document the worker writes. Its fields are a function of
// the event alone, so a duplicate delivery renders the same bytes.
type Invoice struct {
	InvoiceID      string `json:"invoiceId"`
	OrderID        string `json:"orderId"`
	Owner          string `json:"owner"`
	Currency       string `json:"currency"`
	Items          []Line `json:"items"`
	TotalQuantity  int    `json:"totalQuantity"`
	OrderCreatedAt string `json:"orderCreatedAt"`
	// SourceEventID is the EventBridge event id of the first event written.
	SourceEventID string `json:"sourceEventId"`
}

// Line is one invoice line.
type Line struct {
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

// Limits of a valid order, the same as processorder accepts.
const (
	maxOwnerBytes = 256
	maxItems      = 100
	maxQuantity   = 1000
	maxSKUBytes   = 64
)

var (
	orderIDPattern  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// errPoison marks a record that will never succeed (malformed or foreign);
// it is still reported as a failure, so that it reaches the dead-letter
// queue and its alarm rather than vanishing.
var errPoison = errors.New("poison message")

func poison(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errPoison, fmt.Sprintf(format, args...))
}

// ParseInvoice turns an SQS message body into the invoice it asks for, or
// an error wrapping errPoison that says what is wrong. account is the
// account the events must come from ("" accepts any).
func ParseInvoice(body, account string) (Invoice, error) {
	var env envelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		return Invoice{}, poison("body is not an EventBridge event: %v", err)
	}
	switch {
	case env.Source != Source:
		return Invoice{}, poison("source %q is not %q", env.Source, Source)
	case env.DetailType != DetailType:
		return Invoice{}, poison("detail-type %q is not %q", env.DetailType, DetailType)
	case account != "" && env.Account != account:
		return Invoice{}, poison("event from account %q, not this account", env.Account)
	case env.ID == "":
		return Invoice{}, poison("event has no id")
	}
	var d orderPlaced
	if len(env.Detail) == 0 || string(env.Detail) == "null" {
		return Invoice{}, poison("event has no detail")
	}
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		return Invoice{}, poison("detail is not an OrderPlaced: %v", err)
	}
	if err := checkOwner(d.Owner); err != nil {
		return Invoice{}, err
	}
	if !orderIDPattern.MatchString(d.OrderID) {
		return Invoice{}, poison("orderId %q is not a lower-case UUID", truncate(d.OrderID))
	}
	if !currencyPattern.MatchString(d.Currency) {
		return Invoice{}, poison("currency %q is not an ISO 4217 code", truncate(d.Currency))
	}
	if len(d.Items) == 0 || len(d.Items) > maxItems {
		return Invoice{}, poison("an order has 1 to %d items, this one %d", maxItems, len(d.Items))
	}
	inv := Invoice{
		InvoiceID: "inv-" + d.OrderID, OrderID: d.OrderID, Owner: d.Owner, Currency: d.Currency,
		OrderCreatedAt: d.CreatedAt, SourceEventID: env.ID,
	}
	for i, raw := range d.Items {
		var it ddbItem
		if err := json.Unmarshal(raw, &it); err != nil || it.M.SKU.S == nil || it.M.Quantity.N == nil {
			return Invoice{}, poison("items[%d] is not a {sku, quantity} map", i)
		}
		sku := *it.M.SKU.S
		q, err := strconv.Atoi(*it.M.Quantity.N)
		switch {
		case strings.TrimSpace(sku) == "" || len(sku) > maxSKUBytes:
			return Invoice{}, poison("items[%d].sku is empty or longer than %d bytes", i, maxSKUBytes)
		case err != nil || q < 1 || q > maxQuantity:
			return Invoice{}, poison("items[%d].quantity %q is not 1 to %d", i, truncate(*it.M.Quantity.N), maxQuantity)
		}
		inv.Items = append(inv.Items, Line{SKU: sku, Quantity: q})
		inv.TotalQuantity += q
	}
	return inv, nil
}

// checkOwner accepts an owner (the JWT subject that created the order) that
// is one safe key segment: it must not reach another owner's prefix with a
// '/' or a '..' segment, nor hide control characters in the key.
func checkOwner(owner string) error {
	switch {
	case owner == "":
		return poison("the order has no owner")
	case len(owner) > maxOwnerBytes:
		return poison("owner is longer than %d bytes", maxOwnerBytes)
	case !utf8.ValidString(owner):
		return poison("owner is not valid UTF-8")
	case strings.ContainsAny(owner, `/\`):
		return poison("owner %q contains a path separator: it would write into another owner's prefix", truncate(owner))
	case owner == "." || owner == "..":
		return poison("owner %q is a relative path segment", owner)
	}
	for _, r := range owner {
		if unicode.IsControl(r) {
			return poison("owner contains a control character")
		}
	}
	return nil
}

// Key is the invoice's object key: invoices/<owner>/<order id>.json.
func (inv Invoice) Key() string { return "invoices/" + inv.Owner + "/" + inv.OrderID + ".json" }

// truncate keeps log lines short when a field is garbage.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
