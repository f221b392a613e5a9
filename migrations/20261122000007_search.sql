-- Product search: a weighted full-text vector (name over category over
-- description) kept by triggers, a GIN index on it, and trigram indexes on
-- names for suggestions and typo-tolerant matching ("bananna" → bananas).
-- pg_trgm is a trusted extension: the database's owner can create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE products ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector;

CREATE FUNCTION product_search_vector(p_name text, p_description text, p_category bigint) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('english', p_name), 'A')
        || setweight(to_tsvector('english', COALESCE((SELECT c.name FROM categories c WHERE c.id = p_category), '')), 'B')
        || setweight(to_tsvector('english', p_description), 'C')
$$;

CREATE FUNCTION products_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := product_search_vector(NEW.name, NEW.description, NEW.category_id);
    RETURN NEW;
END
$$;

CREATE TRIGGER products_search
    BEFORE INSERT OR UPDATE OF name, description, category_id ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_vector();

-- A renamed category renames the B-weighted part of its products' vectors.
CREATE FUNCTION categories_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET search_vector = product_search_vector(name, description, category_id)
    WHERE category_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER categories_search
    AFTER UPDATE OF name ON categories
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION categories_search_vector();

UPDATE products SET search_vector = product_search_vector(name, description, category_id);

CREATE INDEX products_search_idx ON products USING gin (search_vector) WHERE active;
CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops) WHERE active;
