-- Live support chat: a shopper's conversations with staff. A room is general
-- help or about one of the shopper's orders (at most one open room per
-- order); its members are the shopper and the staff who joined, each with
-- the last message they have read. Messages are kept in order per room:
-- posting takes the room's row lock first, so ids within a room are
-- committed in the order they were assigned (a client resuming after id N
-- misses nothing and gets nothing twice).
CREATE TYPE chat_room_kind AS ENUM ('HELP', 'ORDER');

CREATE TABLE chat_rooms (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    kind chat_room_kind NOT NULL,
    subject TEXT NOT NULL,
    -- The shopper the conversation is with.
    customer_id UUID NOT NULL,
    -- ORDER rooms: the order it is about.
    order_id UUID,
    -- The staff member who looks after it, if one was chosen.
    assigned_to UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_activity_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at TIMESTAMPTZ,
    closed_by UUID,
    CONSTRAINT chat_rooms_pkey PRIMARY KEY (id),
    CONSTRAINT chat_rooms_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chat_rooms_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT chat_rooms_assigned_to_fkey FOREIGN KEY (assigned_to) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT chat_rooms_closed_by_fkey FOREIGN KEY (closed_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT chat_rooms_subject_check CHECK (length(subject) BETWEEN 1 AND 200),
    CONSTRAINT chat_rooms_order_check CHECK ((kind = 'ORDER') = (order_id IS NOT NULL))
);

-- One open conversation per order: "Ask about this order" reopens it.
CREATE UNIQUE INDEX chat_rooms_open_order_key ON chat_rooms (order_id) WHERE closed_at IS NULL;
-- The staff inbox: open conversations by last activity.
CREATE INDEX chat_rooms_inbox_idx ON chat_rooms (last_activity_at DESC) WHERE closed_at IS NULL;
CREATE INDEX chat_rooms_customer_idx ON chat_rooms (customer_id, last_activity_at DESC);

CREATE TABLE chat_members (
    room_id BIGINT NOT NULL,
    user_id UUID NOT NULL,
    joined_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- The newest message this member has seen (0: none).
    last_read_id BIGINT NOT NULL DEFAULT 0,
    -- The newest message this member was emailed about (one email for
    -- answers left unread, not one per message).
    emailed_up_to BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT chat_members_pkey PRIMARY KEY (room_id, user_id),
    CONSTRAINT chat_members_room_id_fkey FOREIGN KEY (room_id) REFERENCES chat_rooms (id) ON DELETE CASCADE,
    CONSTRAINT chat_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX chat_members_user_idx ON chat_members (user_id);

CREATE TABLE chat_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY,
    room_id BIGINT NOT NULL,
    author_id UUID NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    edited_at TIMESTAMPTZ,
    removed_at TIMESTAMPTZ,
    removed_by UUID,
    removed_reason TEXT,
    CONSTRAINT chat_messages_pkey PRIMARY KEY (id),
    CONSTRAINT chat_messages_room_id_fkey FOREIGN KEY (room_id) REFERENCES chat_rooms (id) ON DELETE CASCADE,
    CONSTRAINT chat_messages_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT chat_messages_removed_by_fkey FOREIGN KEY (removed_by) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT chat_messages_body_check CHECK (length(body) BETWEEN 1 AND 4000)
);

-- A room's history in pages, and "everything after id N" on resume.
CREATE INDEX chat_messages_room_idx ON chat_messages (room_id, id);
