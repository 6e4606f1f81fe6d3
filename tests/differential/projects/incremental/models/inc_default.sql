{{ config(unique_key='event_id') }}
-- no strategy: dbt-duckdb's default (delete+insert when there is a unique_key)
select event_id, user_id, event_type, amount, updated_at
from {{ ref('events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}
