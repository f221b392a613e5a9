-- The words of product and category names, so a query whose words match
-- nothing can be corrected word by word ("wirless hedset" → "wireless
-- headset") before falling back to similar names. Kept by statement
-- triggers (a bulk insert adds its words in one statement). Words are only
-- added: a word no product uses any more corrects to a query that finds
-- nothing, and search then falls back as before.
CREATE TABLE search_words (
    word text PRIMARY KEY
);

CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- Words of three or more characters with a letter in them (model numbers
-- and sizes are not corrected).
CREATE FUNCTION name_words(p_name text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(lower(p_name), '[^[:alnum:]]+') AS w
    WHERE length(w) >= 3 AND w ~ '[[:alpha:]]'
$$;

CREATE FUNCTION search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
    SELECT DISTINCT name_words(name) FROM new_rows
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

-- Renames are rare and one at a time: a row trigger, only when the name changes.
CREATE FUNCTION search_words_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word) SELECT name_words(NEW.name) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER products_words_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_add();
CREATE TRIGGER categories_words_insert AFTER INSERT ON categories
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_words_add();
CREATE TRIGGER products_words_rename AFTER UPDATE OF name ON products
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_words_rename();
CREATE TRIGGER categories_words_rename AFTER UPDATE OF name ON categories
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_words_rename();

INSERT INTO search_words (word)
SELECT name_words(name) FROM products
UNION
SELECT name_words(name) FROM categories
ON CONFLICT DO NOTHING;
