{{ config(incremental_strategy='delete+insert', unique_key='user_id') }}
-- per-user totals, replaced for users with new or changed events
with touched as (
    select distinct user_id from {{ ref('events') }}
    {% if is_incremental() %}
    where updated_at > (select max(last_updated_at) from {{ this }})
    {% endif %}
)
select user_id, count(*) as n_events, sum(amount) as amount, max(updated_at) as last_updated_at
from {{ ref('events') }}
where user_id in (select user_id from touched)
group by user_id
