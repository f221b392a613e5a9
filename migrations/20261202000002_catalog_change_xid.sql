-- A catalog change names its transaction ("xid"), so an instance that holds
-- counts read from a snapshot can tell whether they already include the
-- change (adjusting them again would count it twice) or need it applied.
CREATE OR REPLACE FUNCTION notify_catalog(changed jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    payload text;
BEGIN
    IF changed IS NULL OR jsonb_array_length(changed) = 0 THEN
        RETURN;
    END IF;
    payload := jsonb_build_object('products', changed, 'xid', pg_current_xact_id()::text)::text;
    IF octet_length(payload) > 7900 THEN
        payload := '{"all":true}';
    END IF;
    PERFORM pg_notify('catalog_changed', payload);
END
$$;
