-- App instances keep the category list in memory (every page's header shows
-- it). Any change to categories notifies them to drop their copy.
CREATE FUNCTION notify_categories_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('categories_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER categories_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION notify_categories_changed();
