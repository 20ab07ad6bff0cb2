// Command handler is the example function of examples/crossstack: given an
// object key, it reads the object from the reports bucket (another stack) and
// records its size in the index table (this stack). It makes exactly the two
// AWS calls its role is granted: s3:GetObject and dynamodb:PutItem.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Event names the report to index.
type Event struct {
	Key string `json:"key"`
}

// Result is what the function returns.
type Result struct {
	Key   string `json:"key"`
	Bytes int64  `json:"bytes"`
}

type indexer struct {
	s3     *s3.Client
	db     *dynamodb.Client
	bucket string
	table  string
}

func (ix *indexer) handle(ctx context.Context, e Event) (Result, error) {
	if e.Key == "" {
		return Result{}, errors.New("key is required")
	}
	obj, err := ix.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(ix.bucket), Key: aws.String(e.Key)})
	if err != nil {
		return Result{}, fmt.Errorf("get %s: %w", e.Key, err)
	}
	defer obj.Body.Close()
	n, err := io.Copy(io.Discard, obj.Body)
	if err != nil {
		return Result{}, fmt.Errorf("read %s: %w", e.Key, err)
	}
	_, err = ix.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(ix.table),
		Item: map[string]types.AttributeValue{
			"key":   &types.AttributeValueMemberS{Value: e.Key},
			"bytes": &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)},
		},
	})
	if err != nil {
		return Result{}, fmt.Errorf("index %s: %w", e.Key, err)
	}
	return Result{Key: e.Key, Bytes: n}, nil
}

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	ix := &indexer{s3: s3.NewFromConfig(cfg), db: dynamodb.NewFromConfig(cfg),
		bucket: os.Getenv("REPORTS_BUCKET"), table: os.Getenv("INDEX_TABLE")}
	lambda.Start(ix.handle)
}
