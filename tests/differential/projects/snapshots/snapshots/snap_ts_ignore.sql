{% snapshot snap_ts_ignore %}
{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}
-- timestamp strategy, hard deletes ignored (the default): every column is deterministic
select * from {{ ref('stg_customers') }}
{% endsnapshot %}
