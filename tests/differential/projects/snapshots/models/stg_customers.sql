select id, region, name, email, tier, updated_at from {{ ref('customers_src') }}
