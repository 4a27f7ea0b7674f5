// Sample function for `palisade roles`: makes a thumbnail, indexes it and announces it.
import { S3Client, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const s3 = new S3Client({});
const sns = new SNSClient({});
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const BUCKET = process.env.IMAGES_BUCKET;
const TABLE = "thumbnail-index";

export const handler = async (event) => {
  const original = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: event.key }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `small/${event.key}`, Body: original.Body }));
  await documents.send(new PutCommand({ TableName: TABLE, Item: { key: event.key } }));
  await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: event.key }));
};
