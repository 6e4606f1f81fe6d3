{#- Normalise a free-text order status: trim, lower-case, fix the known misspellings. -#}
{% macro clean_status(column_name) -%}
    case lower(trim({{ column_name }}))
        when 'canceled' then 'cancelled'
        when 'complete' then 'completed'
        else lower(trim({{ column_name }}))
    end
{%- endmacro %}
