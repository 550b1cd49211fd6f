-- The groups a token's subject belongs to: an approval step names the groups that may decide it.
ALTER TABLE api_tokens ADD COLUMN groups text[] NOT NULL DEFAULT '{}';
