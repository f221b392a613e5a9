-- Messages from others in a person's conversations that they have not
-- read: one definition for the header's counts and the live unread stream
-- (a single-statement SQL function, inlined by the planner).
CREATE FUNCTION chat_unread(person uuid) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM chat_members mb
    JOIN chat_messages m ON m.room_id = mb.room_id AND m.id > mb.last_read_id
    WHERE mb.user_id = person AND m.author_id <> person AND m.removed_at IS NULL
$$;
