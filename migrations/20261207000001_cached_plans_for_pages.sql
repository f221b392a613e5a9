-- Two SQL functions that pages call, made PL/pgSQL as in
-- 20261204000003_cached_function_plans.sql: a SQL function whose body is a
-- query with a FROM is not inlined, so every statement calling it parsed
-- and planned that body again. Measured with perf on the database under the
-- rendered product page (wrk, 32 connections): `fmgr_sql` (the parse and
-- plan of `variant_query`) was 40% of the database's time, which was twice
-- what it was before variants.

-- A variant's values as a product page's query ("size=m&colour=blue"); ''
-- without options. Product pages and carts.
CREATE OR REPLACE FUNCTION variant_query(option_values bigint[]) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF cardinality(option_values) = 0 THEN
        RETURN '';
    END IF;
    RETURN (SELECT COALESCE(string_agg(o.slug || '=' || v.slug, '&' ORDER BY o.position, o.id), '')
            FROM product_option_values v JOIN product_options o ON o.id = v.option_id
            WHERE v.id = ANY(option_values));
END
$$;

-- Messages in a person's conversations they have not read, from others.
-- Every signed-in page's header.
CREATE OR REPLACE FUNCTION chat_unread(person uuid) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT count(*) FROM chat_members mb
            JOIN chat_messages m ON m.room_id = mb.room_id AND m.id > mb.last_read_id
            WHERE mb.user_id = person AND m.author_id <> person AND m.removed_at IS NULL);
END
$$;
