-- Every change in a room (a message posted, edited or removed) takes the
-- room's next revision, under the room's row lock, so revisions commit in
-- order per room. A live page that has seen revision N asks for the
-- messages changed after N and gets new ones and edits alike, exactly once,
-- also after it reconnected.
ALTER TABLE chat_rooms ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chat_messages ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

UPDATE chat_messages m SET revision = numbered.n
FROM (SELECT id, row_number() OVER (PARTITION BY room_id ORDER BY id) AS n FROM chat_messages) numbered
WHERE numbered.id = m.id;
UPDATE chat_rooms r SET revision = (SELECT COALESCE(max(m.revision), 0) FROM chat_messages m WHERE m.room_id = r.id);

ALTER TABLE chat_rooms ADD CONSTRAINT chat_rooms_revision_check CHECK (revision >= 0);
CREATE INDEX chat_messages_room_revision_idx ON chat_messages (room_id, revision);
