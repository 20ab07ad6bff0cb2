package orders

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// fakeDynamoDB is an in-memory DynamoDBAPI keyed by the "id" attribute.
type fakeDynamoDB struct {
	mu     sync.Mutex
	items  map[string]map[string]types.AttributeValue
	puts   []*dynamodb.PutItemInput
	gets   []*dynamodb.GetItemInput
	putErr error
	getErr error
	panics bool
}

func newFakeDynamoDB() *fakeDynamoDB {
	return &fakeDynamoDB{items: map[string]map[string]types.AttributeValue{}}
}

func (f *fakeDynamoDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, in)
	if f.panics {
		panic("fake DynamoDB exploded")
	}
	if f.putErr != nil {
		return nil, f.putErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, ok := in.Item["id"].(*types.AttributeValueMemberS)
	if !ok {
		return nil, fmt.Errorf("fake: item has no string id")
	}
	if aws.ToString(in.ConditionExpression) == "attribute_not_exists(id)" {
		if _, exists := f.items[id.Value]; exists {
			return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		}
	}
	f.items[id.Value] = in.Item
	return &dynamodb.PutItemOutput{}, nil
}

func (f *fakeDynamoDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, in)
	if f.getErr != nil {
		return nil, f.getErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id, ok := in.Key["id"].(*types.AttributeValueMemberS)
	if !ok {
		return nil, fmt.Errorf("fake: key has no string id")
	}
	return &dynamodb.GetItemOutput{Item: f.items[id.Value]}, nil
}

func (f *fakeDynamoDB) putCalls() []*dynamodb.PutItemInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*dynamodb.PutItemInput(nil), f.puts...)
}

// fakeSecrets is a SecretsManagerAPI that counts calls. The first len(errs)
// calls fail with the corresponding error; later calls succeed.
type fakeSecrets struct {
	value  string
	binary []byte
	delay  time.Duration
	calls  atomic.Int32

	mu   sync.Mutex
	errs []error
	ids  []string
}

func (f *fakeSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	n := int(f.calls.Add(1))
	f.mu.Lock()
	f.ids = append(f.ids, aws.ToString(in.SecretId))
	var err error
	if n <= len(f.errs) {
		err = f.errs[n-1]
	}
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err != nil {
		return nil, err
	}
	out := &secretsmanager.GetSecretValueOutput{
		ARN:       in.SecretId,
		VersionId: aws.String("v-1"),
	}
	if f.binary != nil {
		out.SecretBinary = f.binary
	} else {
		out.SecretString = aws.String(f.value)
	}
	return out, nil
}

// syncBuffer is an io.Writer safe for concurrent use that captures logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)

// testLogger returns a debug-level JSON logger writing into a buffer.
func testLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return NewLogger(buf, "DEBUG"), buf
}
