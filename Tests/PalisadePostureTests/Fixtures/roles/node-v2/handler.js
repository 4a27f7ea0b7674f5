// Sample function for `palisade roles`: reads a session, audits it and acknowledges the message.
const AWS = require("aws-sdk");

const ddb = new AWS.DynamoDB.DocumentClient();
const lambda = new AWS.Lambda();
const sqs = new AWS.SQS();
const TABLE = process.env.SESSIONS_TABLE;

exports.handler = async (event) => {
  const session = await ddb.get({ TableName: TABLE, Key: { id: event.id } }).promise();
  await ddb.query({ TableName: "sessions", KeyConditionExpression: "id = :id" }).promise();
  await lambda.invoke({ FunctionName: "audit-writer", Payload: JSON.stringify(session) }).promise();
  await sqs.deleteMessage({ QueueUrl: event.queueUrl, ReceiptHandle: event.receipt }).promise();
  return session.Item;
};
